"""Bought chat colours on real processes (ledger + announcer, real nats-server, the fake robot): the
operator's CSS sits in the robot's ``kryten_<channel>_state`` bucket; a user buys Hot Pink; the robot gets
one ``setChannelCSS`` whose CSS starts with the operator's CSS unchanged and colours the user's name (exact
case); the purchase reply does not wait for it; the ledger audits clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.system.harness import CHANNEL, SystemStack
from tests.system.vanity_kit import QUIET_ECONOMY, eventually, fund, mark, metrics_text, pms_since, shop_rows

OPERATOR = "body { background: #000; }\n.chat-msg-Boss { font-weight: bold; }"  # no trailing newline
RULE = ".chat-msg-Alice .username { color: #FF69B4 !important; }"


async def test_a_bought_colour_reaches_the_channel_css(tmp_path: Path) -> None:
    stack = await SystemStack(tmp_path, ["ledger", "announcer"], commands={"rate_limit_per_minute": 600},
                              **QUIET_ECONOMY).start()
    robot = stack.robot
    assert robot is not None
    try:
        # what kryten-robot stores when CyTube sends channelCSSJS (a raw string; the channel's exact case)
        bucket = f"kryten_{CHANNEL}_state"
        await robot.client.get_or_create_kv_bucket(bucket)
        await robot.client.kv_put(bucket, "css", OPERATOR)

        def css_commands() -> list[dict[str, Any]]:
            return [c for c in robot.commands if c.get("command") == "setChannelCSS"]

        await fund(robot, "Alice", 5_000)
        since = mark(robot, "Alice")
        await robot.pm("Alice", "buy color Hot Pink")
        reply = await pms_since(robot, "Alice", since)
        assert "Hot Pink (#FF69B4)" in reply and "shows in chat in a moment" in reply, reply

        await robot.wait_for(css_commands, 10, "the robot's setChannelCSS")
        sent = css_commands()
        assert len(sent) == 1, sent
        css = sent[0]["args"]["css"]
        assert sent[0]["meta"]["channel"] == CHANNEL
        assert css.startswith(OPERATOR + "\n"), css  # the operator's CSS, byte for byte, first
        assert RULE in css and css.count("kryten-economy chat colours: begin") == 1, css

        assert await shop_rows(robot, "Alice", "color") == [(-750, "spend")]
        assert (await robot.audit())["ok"]
        written = await eventually(
            lambda: _written(stack.metrics_port("announcer")), 5, "the css write counted")
        assert written >= 1
    finally:
        await stack.stop()


async def _written(port: int) -> float:
    for line in metrics_text(port).splitlines():
        if line.startswith('economy_chat_colour_css_writes_total{outcome="written"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
