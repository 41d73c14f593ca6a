# An irctest controller for node-chat (dev-only: run.sh puts this directory on PYTHONPATH and
# passes --controller nodechat). irctest itself is fetched, never copied into this repository.
import os
from pathlib import Path
from typing import Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

ROOT = Path(os.environ.get("NODE_CHAT_ROOT", Path(__file__).resolve().parents[2]))


class NodeChatController(BaseServerController, DirectoryBasedController):
    software_name = "node-chat"
    supported_sasl_mechanisms: Set[str] = set()
    supports_sts = False

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        if run_services:
            raise NotImplementedByController("services")
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        (_, telnet_port) = self.get_hostname_and_port()
        with self.open_file("motd.txt") as fd:
            fd.write("node-chat under irctest\n")
        assert self.directory
        self.proc = self.execute(
            [
                "node",
                ROOT / "dist" / "src" / "main.js",
                "--host", hostname,
                "--port", str(telnet_port),
                "--irc-port", str(port),
                "--irc-password", password or "",
                # the name irctest's tests expect in PONG and numerics
                "--irc-server-name", "My.Little.Server",
                "--motd", self.directory / "motd.txt",
                # irctest sends bursts of commands: the flood throttle (on by default) is not under test.
                "--flood-rate", "0",
                "--workers", "1",
                # only the IRC listener is under test: no HTTP (8080 would clash between parallel servers)
                "--http-port", "off",
            ]
        )


def get_irctest_controller_class() -> Type[NodeChatController]:
    return NodeChatController
