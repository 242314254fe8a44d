"""Runs built one after the other in one process (quickstart, grids) log into their own work dirs.

With a fixed visualizer ``name`` mmengine returns the first run's visualizer
to every later Runner, and the later runs' scalars (read by
tools/analysis/plot_curves.py) land in the first run's ``vis_data``.
Without a name, mmengine names the visualizer after the experiment (config
name and start time to the second), so two Runners are built in different
seconds here, as two trainings always are.
"""
import time

import pytest
from mmengine.runner import Runner

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')

from helpers import ROOT, short_run_cfg  # noqa: E402


@pytest.mark.parametrize('config', ['configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py',
                                    'configs/segmentation/deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py'])
def test_each_runner_logs_into_its_own_work_dir(config, tmp_path):
    folders = []
    for run in ('first', 'second'):
        if folders:
            time.sleep(1.1)  # a later second: another experiment name
        runner = Runner.from_cfg(short_run_cfg(f'{ROOT}/{config}', tmp_path / 'data', tmp_path / run))
        backend = runner.visualizer.get_backend('LocalVisBackend')
        folders.append(backend._save_dir)
    assert folders[0].startswith(str(tmp_path / 'first')) and folders[1].startswith(str(tmp_path / 'second'))
