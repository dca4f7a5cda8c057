"""The browser the dashboard's tests drive (tests/reporting/test_dashboard.py): Debian's Chromium,
found, or installed with apt-get.

`make test` runs `python -m tools.ci.chromium` before pytest, on a laptop as in CI. Where it cannot
install the browser (no apt-get; not root, and no passwordless sudo; apt-get failing) it says why
and the run goes on: those tests skip and the end of the run lists them. With CI=true a missing
browser is a failure instead: exit status 1.
"""

import os
import shutil
import subprocess
import sys

# Debian's package `chromium` installs /usr/bin/chromium; the others are other distributions' names.
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
PACKAGE = "chromium"
HOW = "`sudo apt-get install chromium` on Debian, or MOTCUA_CHROMIUM set to a Chromium or Chrome binary"


class InstallFailed(RuntimeError):
    pass


def find() -> str | None:
    """MOTCUA_CHROMIUM when it names an executable, else the first executable of CANDIDATES."""
    for candidate in (os.environ.get("MOTCUA_CHROMIUM"), *CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def as_root() -> list[str] | None:
    """What runs a command as root: nothing as root, `sudo -n` where sudo asks no password, else None."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0:  # noqa: S603 - no outside input
        return [sudo, "-n"]
    return None


def obstacle() -> str | None:
    """Why this machine cannot install Debian's chromium, or None when it can try."""
    if shutil.which("apt-get") is None:
        return "this machine has no apt-get to install Debian's chromium with"
    if as_root() is None:
        sudo = "sudo asks for a password (`sudo -n` refused)" if shutil.which("sudo") else "no sudo"
        return f"not root, and {sudo}"
    return None


def missing() -> str:
    """A skip's reason: where no browser was found, and what stands in the way of installing one."""
    looked = ", ".join(c for c in (os.environ.get("MOTCUA_CHROMIUM"), *CANDIDATES) if c)
    problem = obstacle() or (
        "apt-get could install Debian's chromium here: `make test` does first (python -m "
        "tools.ci.chromium), or says at the start of the run why it could not"
    )
    return f"no Chromium at {looked}: {problem}. To run these tests: {HOW}"


def install() -> None:
    """`apt-get update`, then `apt-get install chromium` without recommends, quietly; InstallFailed
    with apt-get's last lines when either fails."""
    prefix, apt_get, env = as_root(), shutil.which("apt-get"), shutil.which("env")
    if prefix is None or apt_get is None or env is None:
        raise InstallFailed(obstacle() or "no `env` to run apt-get with")
    for arguments in (["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", PACKAGE]):
        # Through `env`: sudo would drop DEBIAN_FRONTEND from the environment.
        command = [*prefix, env, "DEBIAN_FRONTEND=noninteractive", apt_get, *arguments]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - no outside input
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise InstallFailed(f"`apt-get {' '.join(arguments)}` exited {done.returncode}:\n{tail}")


def say(*lines: str) -> None:
    for line in lines:
        print(f"chromium: {line}", file=sys.stderr)


def main() -> int:
    if find() is not None:
        return 0
    problem = obstacle()
    if problem is None:
        say("no browser; installing Debian's chromium with apt-get for the browser tests")
        try:
            install()
        except InstallFailed as exc:
            problem = str(exc)
        else:
            if find() is not None:
                return 0
            problem = f"apt-get installed {PACKAGE}, yet none of {', '.join(CANDIDATES)} is there"
    if os.environ.get("CI") == "true":
        say(
            f"ERROR: no browser for the browser tests: {problem}",
            "with CI=true that is a failure: install it in the CI image, or run CI as a user who may",
            "use apt-get (root, or passwordless sudo).",
        )
        return 1
    say(
        f"no browser, so the tests that drive one will skip: {problem}",
        f"the end of the run lists them. To run them: {HOW}.",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
