"""Vietnamese text: one Unicode normalisation everywhere, and accent-folded keys for search."""

import unicodedata


def nfc(text: str) -> str:
    """The same name typed on a Mac (NFD) and on Windows (NFC) must be one name."""
    return unicodedata.normalize("NFC", text).strip()


def search_key(text: str) -> str:
    """Lower-case, without diacritics (đ → d), single-spaced: `Nguyễn  Văn Ánh` → `nguyen van anh`."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
