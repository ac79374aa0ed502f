from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RETAIL_DIR = ROOT / ".retail"
LOG_DIR = RETAIL_DIR / "logs"
RUN_DIR = RETAIL_DIR / "run"
SECRETS_DIR = RETAIL_DIR / "secrets"
REPORTS_DIR = RETAIL_DIR / "test-reports"
BENCH_DIR = RETAIL_DIR / "bench"


def ensure_dirs() -> None:
    for path in (LOG_DIR, RUN_DIR, REPORTS_DIR):
        path.mkdir(parents=True, exist_ok=True)
    SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
