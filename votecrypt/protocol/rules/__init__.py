"""Rule sets: the legal thresholds, denominators and consequences, as data (spec 13.1-13.4).

`model` holds the values and their exact evaluation (13.1), `plain` the plain-data format of
rule files and manifests (13.4). The presets (13.3) are data files under spec/rules/, read by
`votecrypt.record.rule_presets` with the strict JSON decoder of the record layer.
"""

from votecrypt.protocol.rules.model import (
    COMPARISONS,
    DENOMINATORS,
    MAX_RULE_TEXT,
    RULES_TYPE,
    VERSION,
    YEARS,
    Bracket,
    Condition,
    Option,
    PreviousResult,
    RuleSet,
    format_fraction,
    parse_fraction,
)
from votecrypt.protocol.rules.plain import rule_set_from_plain, rule_set_to_plain

__all__ = [
    "COMPARISONS",
    "DENOMINATORS",
    "MAX_RULE_TEXT",
    "RULES_TYPE",
    "VERSION",
    "YEARS",
    "Bracket",
    "Condition",
    "Option",
    "PreviousResult",
    "RuleSet",
    "format_fraction",
    "parse_fraction",
    "rule_set_from_plain",
    "rule_set_to_plain",
]
