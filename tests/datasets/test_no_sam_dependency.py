"""The datasets hold plain instance masks; prompting them is SAM's training step (mmkd.models.sam),
so no module of mmkd.datasets may import segment_anything."""
import ast
import glob
import os.path as osp

from helpers import ROOT  # noqa: E402


def imported_modules(path):
    tree = ast.parse(open(path, encoding='utf-8').read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module or ''


def test_datasets_do_not_import_segment_anything():
    files = glob.glob(osp.join(ROOT, 'mmkd', 'datasets', '**', '*.py'), recursive=True)
    assert files
    offending = sorted(osp.relpath(f, ROOT) for f in files
                       if any(m.split('.')[0] == 'segment_anything' for m in imported_modules(f)))
    assert not offending, f'mmkd.datasets modules importing segment_anything: {offending}'
