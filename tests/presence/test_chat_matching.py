"""Reading chat text: whole-name tokens, kudos, laughs, GIFs, emotes (pure functions)."""

from __future__ import annotations

import pytest

from economy_presence.chat.matching import clean, emotes_in, has_gif, is_laugh, kudos_targets, name_tokens


def test_clean_unescapes_html_and_drops_control_characters() -> None:
    assert clean("tom &amp; jerry &gt; all\x07") == "tom & jerry > all "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alice++", ["alice"]),
        ("@alice++", ["alice"]),
        ("++alice", ["alice"]),
        ("++@Alice thanks", ["alice"]),
        ("alice++ bob++", ["alice", "bob"]),
        ("alice++ alice++ ++ALICE", ["alice"]),
        ("thanks,alice++", ["alice"]),
        ("(alice++)", ["alice"]),
        ("I love c++", ["c"]),  # pays only if a user called "c" is known
        ("alice+++", []),
        ("alice++bob++", []),
        ("alice ++", []),
        ("x++y", []),
        ("see https://example.com/a++b", []),
        ("dash-name++ and under_score++", ["dash-name", "under_score"]),
    ],
)
def test_kudos_targets(text: str, expected: list[str]) -> None:
    assert kudos_targets(text) == expected


def test_name_tokens_are_whole_words_case_folded() -> None:
    tokens = name_tokens("Hey @Alice, did BOBBY see al's post? -carol- https://x.io/dave")
    assert {"alice", "bobby", "al", "carol"} <= tokens
    assert "bob" not in tokens  # "bobby" is not a mention of "bob"
    assert "dave" not in tokens  # names inside links are not mentions


@pytest.mark.parametrize(
    "text",
    ["lol", "LOL", "lmao", "lmfao", "rofl", "hahaha", "haha that's good", "hehehe", "lolol", "hahah", "ahahaha",
     "kek", "xD", "😂", "😂😂", "🤣", "💀", "that was great 😂", "dead", "i'm dead", "I’m dying!!"],
)
def test_laughs_detected(text: str) -> None:
    assert is_laugh(text)


@pytest.mark.parametrize(
    "text", ["hello there", "ha", "hah", "hello", "shah", "the battery is dead", "lollipop", "deadline", ""]
)
def test_non_laughs(text: str) -> None:
    assert not is_laugh(text)


@pytest.mark.parametrize(
    "text",
    [
        "look https://example.com/cat.gif",
        "https://example.com/cat.GIF?width=200",
        "https://i.imgur.com/abc.gifv",
        "https://giphy.com/gifs/funny-cat-123",
        "https://media1.giphy.com/media/x/giphy.webp",
        "https://www.giphy.com/gifs/x",
        "https://tenor.com/view/x-123",
        "https://media.tenor.com/abc/x.mp4",
        "https://www.tenor.com/view/x",
    ],
)
def test_gifs_detected(text: str) -> None:
    assert has_gif(text)


@pytest.mark.parametrize(
    "text", ["https://example.com/page", "https://x.gif.com/page", "a gif", "https://example.com/giffy"]
)
def test_non_gif_urls_ignored(text: str) -> None:
    assert not has_gif(text)


def test_emotes_are_whole_case_sensitive_tokens() -> None:
    known = frozenset({"Kappa", ":smile:", "PogChamp"})
    assert emotes_in("Kappa Kappa :smile: kappa PogChampion", known) == {"Kappa", ":smile:"}
    assert emotes_in("Kappa", frozenset()) == set()
