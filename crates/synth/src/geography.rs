//! The borough's places and organisations: localities, networks, practices, LSOAs with
//! their deprivation, and providers. All synthetic: codes are chosen so that they cannot
//! be mistaken for real ODS or LSOA codes.

use accord_model::ProviderKind;
use rand::seq::SliceRandom;

use crate::calibration::IMD_DECILES;
use crate::params::SynthParams;
use crate::rng::{Stream, normal, stream};

const LOCALITY_NAMES: [&str; 8] = [
    "North",
    "Central",
    "South",
    "West",
    "East",
    "North East",
    "South East",
    "North West",
];

#[derive(Debug, Clone)]
pub struct Practice {
    pub code: String,
    pub name: String,
    pub network: Option<usize>,
    pub locality: usize,
    /// Relative list size.
    pub weight: f64,
}

#[derive(Debug, Clone)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub locality: usize,
}

#[derive(Debug, Clone)]
pub struct Lsoa {
    pub code: String,
    pub locality: usize,
    pub decile: u8,
}

#[derive(Debug, Clone)]
pub struct Provider {
    pub code: String,
    pub name: String,
    pub kind: ProviderKind,
}

/// Indices into `Geography::providers` for each kind of care.
#[derive(Debug, Clone, Copy)]
pub struct ProviderRoles {
    pub acute_north: u16,
    pub acute_south: u16,
    pub community: u16,
    pub mental_health: u16,
    pub social_care: u16,
    pub voluntary: u16,
    /// Practices follow, in practice order.
    pub first_practice: u16,
}

#[derive(Debug, Clone)]
pub struct Geography {
    pub localities: Vec<(String, String)>,
    pub networks: Vec<Network>,
    pub practices: Vec<Practice>,
    pub lsoas: Vec<Lsoa>,
    pub providers: Vec<Provider>,
    pub roles: ProviderRoles,
    /// For each locality: its practices and their cumulative list weights.
    pub practices_by_locality: Vec<Vec<usize>>,
    /// For each locality: its LSOAs.
    pub lsoas_by_locality: Vec<Vec<usize>>,
}

impl Geography {
    pub fn build(params: &SynthParams) -> Geography {
        let mut rng = stream(params.seed, Stream::Geography, 0);
        let localities: Vec<(String, String)> = (0..params.localities)
            .map(|i| {
                let name = LOCALITY_NAMES
                    .get(i)
                    .map_or_else(|| format!("Locality {}", i + 1), |n| (*n).to_string());
                (format!("L{:02}", i + 1), name)
            })
            .collect();
        let networks: Vec<Network> = (0..params.networks)
            .map(|i| {
                let locality = i % params.localities;
                let within = i / params.localities + 1;
                Network {
                    id: format!("N{:02}", i + 1),
                    name: format!("{} {within}", localities[locality].1),
                    locality,
                }
            })
            .collect();
        let in_networks = params.practices - params.practices_outside_networks;
        let practices: Vec<Practice> = (0..params.practices)
            .map(|i| {
                let (network, locality) = if i < in_networks {
                    let network = i % params.networks;
                    (Some(network), networks[network].locality)
                } else {
                    (None, i % params.localities)
                };
                Practice {
                    code: format!("Z{:05}", 84_001 + i),
                    name: format!("{} Medical Practice {}", localities[locality].1, i + 1),
                    network,
                    locality,
                    weight: (0.4 * normal(&mut rng)).exp(),
                }
            })
            .collect();
        let lsoa_count = (params.persons as f64 / 1.6 / 1_600.0)
            .round()
            .max(10.0 * params.localities as f64) as usize;
        let mut deciles: Vec<u8> = (0..lsoa_count)
            .map(|i| {
                let position = (i as f64 + 0.5) / lsoa_count as f64;
                let mut cumulative = 0.0;
                let mut decile = 10;
                for (d, share) in IMD_DECILES.iter().enumerate() {
                    cumulative += share;
                    if position < cumulative {
                        decile = d as u8 + 1;
                        break;
                    }
                }
                decile
            })
            .collect();
        deciles.shuffle(&mut rng);
        let lsoas: Vec<Lsoa> = deciles
            .into_iter()
            .enumerate()
            .map(|(i, decile)| Lsoa {
                code: format!("E0199{i:04}"),
                locality: i % params.localities,
                decile,
            })
            .collect();
        let mut providers = vec![
            Provider {
                code: "ZA1".into(),
                name: "Northern Borough Hospitals NHS Trust".into(),
                kind: ProviderKind::Acute,
            },
            Provider {
                code: "ZA2".into(),
                name: "Southern Borough Hospitals NHS Trust".into(),
                kind: ProviderKind::Acute,
            },
            Provider {
                code: "ZC1".into(),
                name: "Borough Community Health Services".into(),
                kind: ProviderKind::Community,
            },
            Provider {
                code: "ZM1".into(),
                name: "Borough Mental Health NHS Trust".into(),
                kind: ProviderKind::MentalHealth,
            },
            Provider {
                code: "ZS1".into(),
                name: "Borough Council Adult Social Care".into(),
                kind: ProviderKind::SocialCare,
            },
            Provider {
                code: "ZV1".into(),
                name: "Borough Voluntary Action and Social Prescribing".into(),
                kind: ProviderKind::Voluntary,
            },
        ];
        let first_practice = providers.len() as u16;
        providers.extend(practices.iter().map(|p| Provider {
            code: p.code.clone(),
            name: p.name.clone(),
            kind: ProviderKind::PrimaryCare,
        }));
        let practices_by_locality = (0..params.localities)
            .map(|l| {
                (0..practices.len())
                    .filter(|&p| practices[p].locality == l)
                    .collect()
            })
            .collect();
        let lsoas_by_locality = (0..params.localities)
            .map(|l| {
                (0..lsoas.len())
                    .filter(|&i| lsoas[i].locality == l)
                    .collect()
            })
            .collect();
        Geography {
            localities,
            networks,
            practices,
            lsoas,
            providers,
            roles: ProviderRoles {
                acute_north: 0,
                acute_south: 1,
                community: 2,
                mental_health: 3,
                social_care: 4,
                voluntary: 5,
                first_practice,
            },
            practices_by_locality,
            lsoas_by_locality,
        }
    }

    /// The acute trust serving a locality.
    pub fn acute_for(&self, locality: usize) -> u16 {
        if locality.is_multiple_of(2) {
            self.roles.acute_north
        } else {
            self.roles.acute_south
        }
    }
}
