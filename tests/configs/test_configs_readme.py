"""configs/README.md lists what is really there: every config it names exists, every config is listed."""
import glob
import os.path as osp
import re

from helpers import ROOT

CONFIGS = osp.join(ROOT, 'configs')
# a link or code span naming a file in a folder: `cwd/cwd_fpn_....py`, (detection/x.py)
CONFIG_REF = re.compile(r'[(`]((?:_base_/)?[a-z_]+/[A-Za-z0-9_.\-]+\.py)[)`]')


def readme():
    with open(osp.join(CONFIGS, 'README.md'), encoding='utf-8') as f:
        return f.read()


def listed():
    """Config paths the README names (relative to configs/; tools/... and other files are not configs)."""
    refs = {osp.normpath(ref) for ref in CONFIG_REF.findall(readme())}
    return {ref for ref in refs if osp.isdir(osp.join(CONFIGS, ref.split('/')[0]))}


def test_every_config_named_in_the_readme_exists():
    refs = listed()
    assert len(refs) > 20
    missing = sorted(ref for ref in refs if not osp.isfile(osp.join(CONFIGS, ref)))
    assert not missing, f'configs/README.md names configs that do not exist: {missing}'


def test_every_config_is_listed():
    configs = {osp.relpath(p, CONFIGS) for p in glob.glob(osp.join(CONFIGS, '*', '*.py')) if '_base_' not in p}
    unlisted = sorted(configs - listed())
    assert not unlisted, f'configs missing from the listing in configs/README.md: {unlisted}'
