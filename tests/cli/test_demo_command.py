"""`parindex demo --port`: the address printed is the one served."""

from __future__ import annotations

from parindex import cli
from parindex.demo.services import DemoInfo
from parindex.web.management.commands.demo_setup import render_logins


def test_demo_passes_the_served_address_to_the_logins(monkeypatch, tmp_path, capsys):
    calls: list[tuple[str, tuple, dict]] = []

    def fake_call_command(name, *args, **kwargs):
        calls.append((name, args, kwargs))

    import django.core.management

    monkeypatch.setattr(django.core.management, "call_command", fake_call_command)
    args = cli.build_parser().parse_args(["demo", "--port", "8765"])
    assert cli.cmd_demo(args) == 0
    assert calls[0] == (
        "demo_setup",
        (),
        {"reset": False, "empty": False, "url": "http://127.0.0.1:8765/"},
    )
    assert calls[1][1] == ("127.0.0.1:8765",)
    assert "http://127.0.0.1:8765/" in capsys.readouterr().out


def test_the_logins_show_the_url_given():
    info = DemoInfo(created=False, seconds=0.0, url="http://127.0.0.1:8765/")
    assert "http://127.0.0.1:8765/" in render_logins(info)
    assert "8000" not in render_logins(info)
