//! The survey items that the dataset's `survey_response.item` column refers to: the I
//! statements of Tower Hamlets Together (seed 001) and the Islington integrated networks
//! (seed 004), and a staff survey of network members. Frameworks name these ids.

/// One item of a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyItem {
    /// The survey's id (`survey_response.survey`).
    pub survey: &'static str,
    /// The item's id (`survey_response.item`).
    pub id: &'static str,
    /// The domain or heading the item sits under.
    pub domain: &'static str,
    /// The statement, in the person's words.
    pub text: &'static str,
}

/// The Tower Hamlets Together I-statement survey.
pub const THT_SURVEY: &str = "tht_i_statements";
/// The Islington integrated networks' local I statements.
pub const ISLINGTON_SURVEY: &str = "islington_i_statements";
/// The staff survey of integrated network members.
pub const STAFF_SURVEY: &str = "staff_survey";

const fn item(
    survey: &'static str,
    id: &'static str,
    domain: &'static str,
    text: &'static str,
) -> SurveyItem {
    SurveyItem {
        survey,
        id,
        domain,
        text,
    }
}

const AROUND_ME: &str = "Around me";
const STAFF: &str = "My doctors, nurses, social workers and other staff";
const ME: &str = "Me";
const ISLINGTON: &str = "Local I statements";
const PROFESSIONALS: &str = "Professionals";

/// Every survey item, grouped by survey.
pub const SURVEY_ITEMS: &[SurveyItem] = &[
    item(
        THT_SURVEY,
        "tht_01",
        AROUND_ME,
        "I feel safe from harm in my community",
    ),
    item(
        THT_SURVEY,
        "tht_02",
        AROUND_ME,
        "I play an active part in my community",
    ),
    item(
        THT_SURVEY,
        "tht_03",
        AROUND_ME,
        "I am able to breathe cleaner air in the place where I live",
    ),
    item(
        THT_SURVEY,
        "tht_04",
        AROUND_ME,
        "I am able to support myself and my family financially",
    ),
    item(
        THT_SURVEY,
        "tht_05",
        AROUND_ME,
        "I am supported to make healthy choices",
    ),
    item(
        THT_SURVEY,
        "tht_06",
        AROUND_ME,
        "I am satisfied with my home and where I live",
    ),
    item(
        THT_SURVEY,
        "tht_07",
        AROUND_ME,
        "My children get the best possible start in life",
    ),
    item(
        THT_SURVEY,
        "tht_08",
        STAFF,
        "I am confident that those providing my care are competent, happy and kind",
    ),
    item(
        THT_SURVEY,
        "tht_09",
        STAFF,
        "I am able to access the services I need, to a safe and high quality",
    ),
    item(
        THT_SURVEY,
        "tht_10",
        STAFF,
        "I want to see money is being spent in the best way to deliver local services",
    ),
    item(
        THT_SURVEY,
        "tht_11",
        STAFF,
        "I feel like services work together to provide me with good care",
    ),
    item(
        THT_SURVEY,
        "tht_12",
        ME,
        "It is likely I will live a long, healthy life",
    ),
    item(
        THT_SURVEY,
        "tht_13",
        ME,
        "I have a good level of happiness and wellbeing",
    ),
    item(
        THT_SURVEY,
        "tht_14",
        ME,
        "Regardless of who I am, I am able to access care services for my physical and mental health",
    ),
    item(
        THT_SURVEY,
        "tht_15",
        ME,
        "I have a positive experience of the services I use, overall",
    ),
    item(
        THT_SURVEY,
        "tht_16",
        ME,
        "I am supported to live the life I want",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_01",
        ISLINGTON,
        "I want to be listened to and heard",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_02",
        ISLINGTON,
        "I want to be treated as a whole person and for you to recognise how disempowering being ill is",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_03",
        ISLINGTON,
        "I want my care to be co-ordinated and to have the same appointment system across services",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_04",
        ISLINGTON,
        "I want to have longer appointments with someone who is well prepared so that I do not have to tell my story again",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_05",
        ISLINGTON,
        "I want to feel supported by my community and get the most out of services available locally",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_06",
        ISLINGTON,
        "I want you to put a greater focus on my mental well being",
    ),
    item(
        ISLINGTON_SURVEY,
        "isl_07",
        ISLINGTON,
        "I want to feel respected and to feel safe",
    ),
    item(
        STAFF_SURVEY,
        "staff_01",
        PROFESSIONALS,
        "I am clear about my role, responsibilities and procedures in the network",
    ),
    item(
        STAFF_SURVEY,
        "staff_02",
        PROFESSIONALS,
        "I can access support and input from other organisations easily",
    ),
    item(
        STAFF_SURVEY,
        "staff_03",
        PROFESSIONALS,
        "I feel part of a team across organisations",
    ),
    item(
        STAFF_SURVEY,
        "staff_04",
        PROFESSIONALS,
        "Activity is redirected to the most appropriate person",
    ),
    item(
        STAFF_SURVEY,
        "staff_05",
        PROFESSIONALS,
        "Working in the network lets me offer a more holistic approach",
    ),
];

/// The items of one survey.
pub fn items_of(survey: &str) -> impl Iterator<Item = &'static SurveyItem> + '_ {
    SURVEY_ITEMS
        .iter()
        .filter(move |item| item.survey == survey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tht_has_sixteen_statements_in_three_domains() {
        assert_eq!(items_of(THT_SURVEY).count(), 16);
        let mut domains: Vec<_> = items_of(THT_SURVEY).map(|i| i.domain).collect();
        domains.dedup();
        assert_eq!(domains, [AROUND_ME, STAFF, ME]);
        assert_eq!(items_of(ISLINGTON_SURVEY).count(), 7);
    }

    #[test]
    fn item_ids_are_unique() {
        let mut ids: Vec<_> = SURVEY_ITEMS.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), SURVEY_ITEMS.len());
    }
}
