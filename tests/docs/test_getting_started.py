"""docs/getting_started.md and docs/model_zoo.md cannot rot.

Every ``configs/...py`` path they mention exists and loads; every
``tools/train.py`` / ``tools/test.py`` command line is parsed by that tool's
own argument parser and config builder (``--cfg-options`` applied, the
``data_root`` move included); the getting-started configs and its inline
example config build their model. (The model-zoo configs are built by
tests/configs/test_configs_build.py, which builds every config.)
"""
import re
import shlex
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')

from helpers import load_tool  # noqa: E402

from mmkd.registry import MODELS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOCS = {name: (ROOT / 'docs' / name).read_text() for name in ('getting_started.md', 'model_zoo.md')}
CONFIG_PATH = re.compile(r'configs/[\w./-]+?\.py')


def config_paths(text):
    """Every configs/...py the doc names, but the example it asks the reader to save (configs/mine/)."""
    return sorted({p for p in CONFIG_PATH.findall(text) if '/mine/' not in p})


def commands(text, tool):
    """Command lines of ``tool`` in the doc's bash blocks (continuation lines joined)."""
    found = []
    for block in re.findall(r'```bash\n(.*?)```', text, flags=re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split(' #')[0].strip()
            if line.startswith(f'python {tool}'):
                found.append(shlex.split(line)[2:])
    return found


def data_roots(node):
    if isinstance(node, dict):
        found = {node['data_root']} if isinstance(node.get('data_root'), str) else set()
        return found.union(*(data_roots(v) for v in node.values()))
    if isinstance(node, (list, tuple)):
        return set().union(*(data_roots(v) for v in node))
    return set()


def build(cfg):
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    for spec in [cfg.model.get('teacher')] + list(cfg.model.get('teachers', {}).values()):
        if spec is not None:
            spec.ckpt = None  # checkpoints are the user's; the model must build without them
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('doc', list(DOCS))
def test_every_config_path_exists_and_loads(doc):
    paths = config_paths(DOCS[doc])
    assert len(paths) >= 5, f'{doc} mentions only {paths}'
    missing = [p for p in paths if not (ROOT / p).is_file()]
    assert not missing, f'docs/{doc} names configs that do not exist: {missing}'
    for path in paths:
        Config.fromfile(str(ROOT / path))


@pytest.mark.parametrize('doc', list(DOCS))
def test_train_commands_go_through_the_train_tool_config_builder(doc):
    train = load_tool('train')
    lines = commands(DOCS[doc], 'tools/train.py')
    assert lines, f'docs/{doc} shows no tools/train.py command'
    for argv in lines:
        if '/mine/' in argv[0]:
            continue
        cfg = train.build_cfg(train.parse_args([str(ROOT / argv[0]), *argv[1:]]))
        options = dict(train.parse_args(argv).cfg_options or {})
        for key, value in options.items():
            if key == 'data_root':  # moved into every dataset
                roots = {r.rstrip('/') for r in data_roots(cfg.val_dataloader) | data_roots(cfg.train_dataloader)}
                assert roots == {value.rstrip('/')}, (argv, roots)
            else:  # the option landed where it says
                node = cfg
                for part in key.split('.'):
                    node = node[part]
                assert node == value, (argv, key)


def test_test_tool_commands_parse():
    test_tool = load_tool('test')
    for argv in commands(DOCS['getting_started.md'], 'tools/test.py'):
        args = test_tool.parse_args([str(ROOT / argv[0]), *argv[1:]])
        assert Path(args.config).is_file()


@pytest.mark.slow
def test_getting_started_configs_and_its_example_build(tmp_path):
    for path in config_paths(DOCS['getting_started.md']):
        if not path.startswith('configs/_base_/'):
            assert build(Config.fromfile(str(ROOT / path))) is not None, path
    example = re.search(r"```python\n(_base_ = \['\.\./_base_/distill/.*?)```", DOCS['getting_started.md'], re.S)
    assert example, 'the inline distillation config example is gone'
    cfg_file = tmp_path / 'mgd_fpn_mine.py'  # its relative _base_ pointed at the repository
    cfg_file.write_text(example.group(1).replace("'../_base_/", f"'{ROOT}/configs/_base_/"))
    model = build(Config.fromfile(str(cfg_file)))
    assert type(model.distiller.connectors['align']).__name__ == 'ChannelAlignConnector'
