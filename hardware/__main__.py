"""Command line: run the bridge, simulate an ID card reader, print a sample ticket, or check a configuration.

python -m hardware --config kiosk-hardware.toml       run (what the systemd unit starts)
python -m hardware check-config --config FILE          say what the file configures, or what is wrong
python -m hardware simulate --config bridge.toml       a whole box without devices (scanner, ID reader,
                                                        printer file) behind the bridge; scan/place/remove
python -m hardware simulate-id [--link /tmp/linli-id]  a fake GA/T 467 reader on a pty; type place/remove
python -m hardware print-test --output ticket.bin      the sample ticket's ESC/POS bytes (file or lp0)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from hardware.config import ConfigError, HardwareConfig, PrinterConfig, load_config
from hardware.idcard_text import IdCardRecord

log = logging.getLogger("hardware")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hardware", description="Linli kiosk hardware bridge")
    parser.add_argument("--config", type=Path, help="kiosk-hardware.toml")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser("check-config", help="check a configuration file")
    check.add_argument("--config", type=Path, dest="check_config", required=True)
    box = commands.add_parser("simulate", help="the bridge with simulated devices")
    box.add_argument(
        "--config", type=Path, dest="simulate_config", required=True, help="a file with the [bridge] section"
    )
    box.add_argument("--printer-file", type=Path, default=Path("linli-ticket.bin"), help="where tickets go")
    simulate = commands.add_parser("simulate-id", help="simulate a GA/T 467 ID card reader on a pty")
    simulate.add_argument("--link", type=Path, help="also make this symlink to the pty (a stable port name)")
    simulate.add_argument("--id-number", default="11010519491231002X", help="the sample card's ID number")
    simulate.add_argument(
        "--no-halt", action="store_true", help="keep answering 'find' for a card already read"
    )
    sample = commands.add_parser("print-test", help="print the sample ticket to a file printer")
    sample.add_argument(
        "--output", type=Path, required=True, help="a file, or a printer node like /dev/usb/lp0"
    )
    sample.add_argument("--profile", default="default", help="python-escpos printer profile, e.g. TM-T20II")
    sample.add_argument("--qr", default="auto", choices=("auto", "native", "image"))
    sample.add_argument("--encoding", default="gb18030", choices=("gb18030", "gbk"))
    return parser


def _describe(config: HardwareConfig) -> str:
    lines = [
        f"bridge   http://127.0.0.1:{config.bridge.port} for {config.bridge.origin} (secret set)",
        f"scanner  {config.scanner.kind} {config.scanner.device or config.scanner.port}".rstrip(),
        f"id_reader {config.id_reader.port or 'none'}",
        f"printer  {config.printer.kind} profile={config.printer.profile}",
    ]
    return "\n".join(lines)


def checked_card(id_number: str) -> IdCardRecord:
    """The sample card with this ID number; refused now, not later in the reader's thread, if it cannot be."""
    from hardware.idcard_simulator import sample_record
    from hardware.idcard_text import encode_text_block

    record = sample_record(id_number)
    encode_text_block(record)  # raises ValueError for a number that does not fit the card's field
    return record


def serve_commands(commands: dict[str, Callable[[str], str]]) -> None:
    """Answer one-word commands typed on stdin (the rest of the line is the argument) until ``quit``; when
    stdin is closed (under systemd), keep the simulators running until the process is stopped."""
    usage = "commands: " + " | ".join([*commands, "quit"])
    print(usage, flush=True)
    # systemd stops with SIGTERM: leave through the callers' finally blocks (ptys closed, --link removed).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    try:
        for line in sys.stdin:
            command, _, rest = line.strip().partition(" ")
            if command == "quit":
                return
            if command in commands:
                try:
                    print(commands[command](rest.strip()), flush=True)
                except ValueError as error:  # a mistyped argument: say so and go on
                    print(f"not done: {error}", flush=True)
            elif command:
                print(usage, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


def simulate_id(link: Path | None, id_number: str, halt: bool) -> int:
    """Run a simulated reader; commands on stdin: ``place [ID]``, ``remove``, ``quit``."""
    from hardware.idcard_simulator import SimulatedIdReader

    reader = SimulatedIdReader(halt_after_read=halt).start()
    if link is not None:
        link.unlink(missing_ok=True)
        link.symlink_to(reader.path)
    print(f"ID reader simulator on {reader.path}" + (f" (link {link})" if link else ""), flush=True)

    def place(number: str) -> str:
        reader.place(checked_card(number or id_number))
        return "card placed"

    def remove(_: str) -> str:
        reader.remove()
        return "card removed"

    try:
        serve_commands({"place": place, "remove": remove})
    finally:
        reader.stop()
        if link is not None:
            link.unlink(missing_ok=True)
    return 0


def simulate_box(config_path: Path, printer_file: Path) -> int:
    """The bridge with simulated devices; stdin commands: ``scan TEXT``, ``place [ID]``, ``remove``, ``quit``.

    Only [bridge] is read from the file (what ``flask kiosk-bridge-key`` prints): the devices are the
    simulator's, opened through the same serial code as real ones.
    """
    from hardware.idcard_simulator import sample_record
    from hardware.service import HardwareService
    from hardware.simulator import Simulation

    try:
        bridge = load_config(config_path).bridge
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    box = Simulation(printer_file.resolve())
    service = HardwareService(box.config(bridge))
    try:
        service.start()
    except OSError as error:
        box.stop()
        print(f"cannot start the bridge: {error}", file=sys.stderr)
        return 1
    print(f"simulated kiosk box: bridge on http://127.0.0.1:{service.port} for {bridge.origin}", flush=True)
    print(
        f"scanner {box.scanner.path}, ID reader {box.id_reader.path}, printer file {box.printer_path}",
        flush=True,
    )

    def scan(text: str) -> str:
        if not text:
            return "scan what? type: scan TEXT"
        box.scanner.scan(text)
        return "scanned"

    def place(number: str) -> str:
        box.id_reader.place(checked_card(number) if number else sample_record())
        return "card placed"

    def remove(_: str) -> str:
        box.id_reader.remove()
        return "card removed"

    try:
        serve_commands({"scan": scan, "place": place, "remove": remove})
    finally:
        service.stop()
        box.stop()
    return 0


def print_test(output: Path, profile: str, qr: str, encoding: str) -> int:
    """Send the sample ticket to ``output`` through python-escpos's File printer."""
    from escpos.printer import File

    from hardware.ticket import SAMPLE_TICKET, render_ticket

    config = PrinterConfig(kind="file", path=str(output), profile=profile, qr=qr, encoding=encoding)
    printer = File(devfile=str(output), profile=profile)
    try:
        render_ticket(printer, SAMPLE_TICKET, config)
    finally:
        printer.close()
    print(f"sample ticket written to {output} ({output.stat().st_size if output.is_file() else '?'} bytes)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m hardware``."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "simulate":
        return simulate_box(args.simulate_config, args.printer_file)
    if args.command == "simulate-id":
        return simulate_id(args.link, args.id_number, halt=not args.no_halt)
    if args.command == "print-test":
        return print_test(args.output, args.profile, args.qr, args.encoding)
    config_path = args.check_config if args.command == "check-config" else args.config
    if config_path is None:
        _parser().error("--config is required")
    try:
        config = load_config(config_path)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(_describe(config))
        return 0
    from hardware.service import run

    if os.geteuid() == 0:
        log.warning("running as root; a dedicated user with a udev rule for the devices is safer")
    try:
        return run(config)
    except OSError as error:  # the port is taken, most likely
        print(f"cannot start the bridge: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
