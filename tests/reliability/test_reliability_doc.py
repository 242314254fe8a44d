"""docs/reliability.md lists every catalogue case, and the entry points' last line names the culprit.

The doc's table is generated from the messages the tests saw
(``MMKD_RELIABILITY_DOC=docs/reliability.md pytest tests/reliability``); this
test keeps it complete: every case of the catalogue has a row and every row a
case.
"""
import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO_ROOT

CATALOGUE = Path(__file__).parent
FIXTURES = {'bad_input', 'usage_error', 'record_output'}


def catalogue_cases():
    cases = set()
    for path in CATALOGUE.glob('test_*.py'):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith('test_') and \
                    FIXTURES & {a.arg for a in node.args.args}:
                cases.add(node.name[len('test_'):])
    return cases


def test_doc_lists_every_case():
    doc = (REPO_ROOT / 'docs' / 'reliability.md').read_text()
    rows = {re.sub(r'\[.*$', '', case) for case in re.findall(r'^\| `([^`]+)` \|', doc, flags=re.M)}
    cases = catalogue_cases()
    assert len(cases) >= 30
    assert cases - rows == set(), 'cases missing from docs/reliability.md (regenerate its table)'
    assert rows - cases == set(), 'rows of docs/reliability.md without a test'


def test_last_line_of_a_failing_run_names_the_culprit(tmp_path):
    """As a user runs it: the traceback's last line is the message naming the culprit."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools' / 'train.py'),
         str(REPO_ROOT / 'configs/kd/kd_logits_resnet18_deit-e64-d4_adamw-10e_shapes-cls.py'),
         '--resume', 'strict', '--work-dir', str(tmp_path / 'fresh_dir')],
        capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('FileNotFoundError: --resume strict') and 'fresh_dir' in last, last
