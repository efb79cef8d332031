"""The `spineclinic` command: every Django management command, plus demo, serve and bench.

Hyphenated names are accepted for the project's own commands (`spineclinic verify-audit`
runs the `verify_audit` management command).
"""

from __future__ import annotations

import argparse
import os
import sys


def _setup_environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spineclinic.settings")


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="spineclinic serve", description="Serve with gunicorn.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    args = parser.parse_args(argv)
    _setup_environment()
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    if not settings.DEBUG:
        # whitenoise serves the hashed, compressed copies collected here.
        call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "spineclinic.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
    ]
    run()
    return 0


def demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="spineclinic demo",
        description="Create the demo clinic (idempotent) and serve it on the given address.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="load the data, do not serve")
    args = parser.parse_args(argv)
    # The demo is a development clinic by definition: development defaults apply.
    os.environ.setdefault("DEBUG", "1")
    _setup_environment()
    import django
    from django.core.management import call_command

    django.setup()
    from spineclinic.demo import DEMO_PASSWORD, load_demo_clinic

    call_command("migrate", interactive=False, verbosity=0)
    summary = load_demo_clinic()
    print(summary.describe())
    print(f"\nThe demo clinic: http://{args.host}:{args.port}/")
    print("Logins (password for every demo user: " + DEMO_PASSWORD + "):")
    for role, username in summary.logins:
        print(f"  {role:<14} {username}")
    sys.stdout.flush()
    if args.no_serve:
        return 0
    return serve(["--host", args.host, "--port", str(args.port)])


def bench(argv: list[str]) -> int:
    from spineclinic.bench import prepare_environment

    prepare_environment()
    _setup_environment()
    import django

    django.setup()
    from spineclinic.bench import main as bench_main

    return bench_main(argv)


COMMANDS = {"serve": serve, "demo": demo, "bench": bench}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in COMMANDS:
        return COMMANDS[argv[1]](argv[2:])
    _setup_environment()
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    argv[0] = "spineclinic"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
