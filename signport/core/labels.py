"""Class label sets. A model's labels always travel with it (checkpoint, head, manifest);
these are the defaults for the datasets we know."""

import string

# Order of the public ASL Alphabet dataset's folders (sorted): A-Z, del, nothing, space.
ASL_LETTERS: tuple[str, ...] = tuple(string.ascii_uppercase) + ("del", "nothing", "space")
# Letters alone, for landmark sets (no hand means no landmarks, so no "nothing").
LETTERS_AZ: tuple[str, ...] = tuple(string.ascii_uppercase)
# Sign Language MNIST: 24 static letters (J and Z need motion).
SIGN_MNIST_LETTERS: tuple[str, ...] = tuple(c for c in string.ascii_uppercase if c not in "JZ")

# Labels that act as keyboard keys in fingerspelling-to-text.
SPACE, DELETE, NOTHING = "space", "del", "nothing"


def canonical_label(name: str) -> str:
    """Map a dataset's spelling of a class name ('Del', 'SPACE', 'a') to ours."""
    lowered = name.strip().lower()
    if lowered in (SPACE, DELETE, NOTHING):
        return lowered
    if len(lowered) == 1 and lowered.isalpha():
        return lowered.upper()
    return name.strip()
