# Runtime of segmentation configs: the shared one plus mmseg's visualizer and
# visualization hook, so mmseg's MMSegInferencer, its demos and
# `--cfg-options default_hooks.visualization.draw=True` work on mmkd configs.
# TensorBoard as well (tensorboard is installed with mmkd):
#   --cfg-options "visualizer.vis_backends=[dict(type='LocalVisBackend'),dict(type='TensorboardVisBackend')]"
_base_ = ['./default_runtime.py']
vis_backends = [dict(type='LocalVisBackend')]
# no fixed visualizer `name`: mmengine hands an existing instance of that name (and its log folder)
# to every later Runner of the process, so runs trained one after the other (quickstart, grids)
# would all log their scalars into the first run's vis_data
visualizer = dict(type='mmseg.SegLocalVisualizer', vis_backends=vis_backends)
default_hooks = dict(visualization=dict(type='mmseg.SegVisualizationHook'))
