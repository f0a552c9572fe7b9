"""The 0–10 scales a patient scores each morning: which end is better, and the anchor words."""

from dataclasses import dataclass

LOWER_IS_BETTER = "lower"
HIGHER_IS_BETTER = "higher"


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


PAIN = Scale("pain", "Pain", LOWER_IS_BETTER, "No pain", "Worst pain imaginable")
FATIGUE = Scale("fatigue", "Fatigue", LOWER_IS_BETTER, "No fatigue", "Exhausted")
MOOD = Scale("mood", "Mood", HIGHER_IS_BETTER, "Very low", "Very good")
SLEEP = Scale("sleep_quality", "Sleep quality", HIGHER_IS_BETTER, "Very poor", "Excellent")
DREAMS = Scale("dream_intensity", "Dream intensity", LOWER_IS_BETTER, "Faint", "Overwhelming")

SYMPTOMS = (PAIN, FATIGUE, MOOD)
ALL = (PAIN, FATIGUE, MOOD, SLEEP, DREAMS)
BY_KEY = {s.key: s for s in ALL}
