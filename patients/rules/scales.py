"""The 0–10 scales a patient scores each morning: which end is better, and the anchor words."""

from dataclasses import dataclass

LOWER_IS_BETTER = "lower"
HIGHER_IS_BETTER = "higher"


def gettext_noop(text: str) -> str:
    """Marks a word for the translation catalog (makemessages finds this name) while the
    module stays free of Django; forms and pages translate it with gettext when shown."""
    return text


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    better: str  # LOWER_IS_BETTER or HIGHER_IS_BETTER
    low_anchor: str  # the word shown at 0
    high_anchor: str  # the word shown at 10

    def worse_by(self, before: float, after: float) -> float:
        """How much worse `after` is than `before`, in points (negative = improved)."""
        return after - before if self.better == LOWER_IS_BETTER else before - after


PAIN = Scale(
    "pain",
    gettext_noop("Pain"),
    LOWER_IS_BETTER,
    gettext_noop("No pain"),
    gettext_noop("Worst pain imaginable"),
)
FATIGUE = Scale(
    "fatigue",
    gettext_noop("Fatigue"),
    LOWER_IS_BETTER,
    gettext_noop("No fatigue"),
    gettext_noop("Exhausted"),
)
MOOD = Scale(
    "mood",
    gettext_noop("Mood"),
    HIGHER_IS_BETTER,
    gettext_noop("Very low"),
    gettext_noop("Very good"),
)
SLEEP = Scale(
    "sleep_quality",
    gettext_noop("Sleep quality"),
    HIGHER_IS_BETTER,
    gettext_noop("Very poor"),
    gettext_noop("Excellent"),
)
DREAMS = Scale(
    "dream_intensity",
    gettext_noop("Dream intensity"),
    LOWER_IS_BETTER,
    gettext_noop("Faint"),
    gettext_noop("Overwhelming"),
)

SYMPTOMS = (PAIN, FATIGUE, MOOD)
ALL = (PAIN, FATIGUE, MOOD, SLEEP, DREAMS)
BY_KEY = {s.key: s for s in ALL}

# The names the morning check-in already asks under: each standard scale's label and the
# short word a clinician would type for it. An extra scale may not take one of these, in
# any language the site speaks, or the patient is asked the same thing twice.
STANDARD_NAMES = (
    PAIN.label,
    FATIGUE.label,
    MOOD.label,
    SLEEP.label,
    gettext_noop("Sleep"),
    DREAMS.label,
    gettext_noop("Dreams"),
)
