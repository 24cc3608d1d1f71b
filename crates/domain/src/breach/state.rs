//! The States and jurisdictions a breach's residents are counted by for media notice (164.406).
//!
//! "State" is the HIPAA definition of 45 CFR 160.103: the fifty States, the District of Columbia,
//! Puerto Rico, the Virgin Islands, Guam, American Samoa and the Northern Mariana Islands. Each is
//! written as its two-letter postal code in capitals.

use std::fmt;

use serde::{Serialize, Serializer};

macro_rules! states {
    ($($code:ident),+ $(,)?) => {
        /// A State or jurisdiction, by its two-letter postal code (`CA`, `DC`, `PR`).
        ///
        /// The variants are in the alphabetical order of their codes, so sorting by value sorts
        /// by code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum StateCode {
            $(
                #[doc = concat!("`", stringify!($code), "`")]
                $code
            ),+
        }

        impl StateCode {
            /// Every code, in alphabetical order.
            pub const ALL: &'static [Self] = &[$(Self::$code),+];

            /// The two-letter code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$code => stringify!($code)),+
                }
            }

            /// The code written `s` names, if it names one (exactly, in capitals).
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $(stringify!($code) => Some(Self::$code),)+
                    _ => None,
                }
            }
        }
    };
}

states!(
    AK, AL, AR, AS, AZ, CA, CO, CT, DC, DE, FL, GA, GU, HI, IA, ID, IL, IN, KS, KY, LA, MA, MD, ME,
    MI, MN, MO, MP, MS, MT, NC, ND, NE, NH, NJ, NM, NV, NY, OH, OK, OR, PA, PR, RI, SC, SD, TN, TX,
    UT, VA, VI, VT, WA, WI, WV, WY,
);

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StateCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_fifty_states_dc_and_five_territories_in_code_order() {
        assert_eq!(StateCode::ALL.len(), 56);
        for t in ["DC", "PR", "VI", "GU", "AS", "MP"] {
            assert!(StateCode::parse(t).is_some(), "{t}");
        }
        let codes: Vec<&str> = StateCode::ALL.iter().map(|s| s.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
        for s in StateCode::ALL {
            assert_eq!(StateCode::parse(s.as_str()), Some(*s));
        }
    }

    #[test]
    fn codes_outside_the_hipaa_definition_of_state_are_refused() {
        for bad in [
            "UM", "FM", "MH", "PW", "AA", "AE", "AP", "XX", "ca", "Ca", "CAL", "", " CA",
        ] {
            assert_eq!(StateCode::parse(bad), None, "{bad}");
        }
    }
}
