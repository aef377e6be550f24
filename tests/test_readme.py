from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert len(ci_lines) == 1
    assert ci_lines[0] in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert "pytest" in ci_lines[0]
