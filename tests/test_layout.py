import importlib
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_platform_folder_is_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_standard_platform_module_is_not_shadowed():
    assert Path(platform.__file__).parent != ROOT / "platform"
    assert platform.python_version()
    # Django imports uuid, which imports platform: it must be the standard library's.
    out = subprocess.run([sys.executable, "-c", "import platform, uuid; print(platform.__file__)"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert "platform/platform.py" not in out.stdout.replace(str(ROOT), "")


def test_project_package_lives_in_platform_folder():
    carehub = importlib.import_module("carehub")
    assert Path(carehub.__file__).parent == ROOT / "platform" / "carehub"


def test_console_script_is_django_manage():
    out = subprocess.run([Path(sys.executable).parent / "carehub", "help", "tenants"],
                         capture_output=True, text=True, env={"DEBUG": "1", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "create" in out.stdout and "archive" in out.stdout


# Every domain app has the same rooms (README, "One skeleton per app"); the rooms an app lacks are listed with
# the reason, the same list as the README's.
APPS = ["care/registers", "care/programme", "care/fund", "care/reports", "care/imports", "notifications", "billing",
        "tenants"]
ROOMS = ["models", "actions", "access", "services", "api", "api_urls", "portal", "urls", "tasks", "templates", "demo"]
WITHOUT = {
    "care/registers": {"tasks"},
    "care/fund": {"tasks"},
    "care/imports": {"models", "tasks", "access", "demo"},
    "care/reports": {"demo"},
    "billing": {"access", "api", "api_urls", "actions"},  # its history is its own (SubscriptionChange, UnitEvent)
    "tenants": {"access", "demo"},
}


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_one_skeleton(app):
    folder = ROOT / app
    present = {room for room in ROOMS if (folder / f"{room}.py").exists() or (folder / room).is_dir()}
    assert present == set(ROOMS) - WITHOUT.get(app, set())
    label = app.rsplit("/", 1)[-1]
    templates = folder / "templates"
    assert [path.name for path in templates.iterdir() if path.is_dir()] == [label]  # templates/<app>/ only
