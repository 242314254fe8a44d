# Where each 32 px timm model of _base_/models is split into 4 stages, and what the
# stage features look like (the paper's `stage_info`): module path inside
# mmkd.TimmClassifier (recorded with ModuleOutputs, no model edits) and a FeatureSpec
# (layout nchw / nhwc / nlc, channels, grid side, prefix tokens). Distillation pair
# configs pick their student's and teacher's entries; connectors check every shape.


def _cnn(channels, grids=(8, 4, 2, 1)):
    return [dict(source=f'model.layer{i + 1}', feature=dict(layout='nchw', channels=c, grid=g))
            for i, (c, g) in enumerate(zip(channels, grids))]


stage_taps = {
    'resnet18': _cnn((64, 128, 256, 512)),
    'resnet18-w32': _cnn((32, 64, 128, 256)),
    'swin-w48': [dict(source=f'model.layers.{i}', feature=dict(layout='nhwc', channels=c, grid=g))
                 for i, (c, g) in enumerate(zip((48, 96, 192, 384), (8, 4, 2, 1)))],
    'deit-e64-d4': [dict(source=f'model.blocks.{i}', feature=dict(layout='nlc', channels=64, grid=8, prefix=1))
                    for i in range(4)],
    'resmlp-e96-b4': [dict(source=f'model.blocks.{i}', feature=dict(layout='nlc', channels=96, grid=8))
                      for i in range(4)],
}

# how a distiller records them: the timm model's output (logits) and each model's stages
logits_recorders = dict(logits=dict(type='ModuleOutputs', source='model'))
stage_recorders = {name: {f'stage{k}': dict(type='ModuleOutputs', source=tap['source']) for k, tap in enumerate(taps, 1)}
                   for name, taps in stage_taps.items()}
