"""Email addresses as account names: one written form per address, and no look-alikes.

``normalise_email`` is Unicode's NFKC case fold (NFKC, case-fold, NFKC again, as
``unicodedata`` documents it): the fullwidth ``ｓ``, the long ``ſ``, the ligature ``ﬀ`` and
capitals all become the plain lower-case letters, so ``ｓtaff@demo.test``, ``ſtaff@demo.test``
and ``staﬀ@demo.test`` *are* ``staff@demo.test``: the same account at sign-in, a duplicate at
creation.

Letters of other scripts that merely look the same (the Cyrillic ``о`` in ``demо``) survive
normalisation. For them ``email_skeleton`` computes the skeleton of Unicode's confusable
detection (UTS #39, section 4): NFD, each character replaced by the prototype it is
confusable with, NFD again; two addresses with the same skeleton look alike and cannot both
have accounts. The confusables data is Unicode's ``confusables.txt`` as shipped by the
maintained ``confusable_homoglyphs`` package (also in Debian and Alpine), which keeps it as
an undirected graph: each prototype is linked to the characters that map to it.
"""

import unicodedata
from functools import cache


def normalise_email(email: str) -> str:
    """The one form an address is stored and looked up in (NFKC case fold, no outer spaces)."""
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def _linked(char: str) -> list[str]:
    """The characters (or sequences) ``char`` is linked to in Unicode's confusables table."""
    from confusable_homoglyphs import confusables  # its data loads on first use (0.2 s)

    found = confusables.is_confusable(char, greedy=True)
    return [glyph["c"] for glyph in found[0]["homoglyphs"]] if found else []


@cache
def _prototype(char: str) -> str:
    """The prototype of ``char`` in the UTS #39 table (``char`` itself when it is one).

    In the table a character maps to exactly one prototype, and a prototype maps to nothing;
    here the links go both ways, so a character with several links is a prototype, and one
    with a single link is mapped to it. Two characters linked only to each other are one
    mapped to the other: either is their shared prototype (the smaller is taken)."""
    links = _linked(char)
    if len(links) != 1:
        return char
    target = links[0]
    if len(target) > 1:  # e.g. "m" → "rn": each character of the target is a prototype
        return "".join(_prototype(part) if part != char else part for part in target)
    if len(_linked(target)) > 1:
        return target
    return min(char, target)


def email_skeleton(email: str) -> str:
    """The UTS #39 skeleton of the normalised address: equal skeletons look alike."""
    decomposed = unicodedata.normalize("NFD", normalise_email(email))
    return unicodedata.normalize("NFD", "".join(_prototype(char) for char in decomposed))
