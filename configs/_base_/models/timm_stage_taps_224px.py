# The paper's 4-stage split of its 224 px models (OFAKD custom_forward stage_info):
# module path inside mmkd.TimmClassifier and the stage's FeatureSpec. ViT/DeiT stages
# are blocks 2/5/8/11 of 12.
stage_taps = {
    'resnet18': [dict(source=f'model.layer{i + 1}', feature=dict(layout='nchw', channels=c, grid=g))
                 for i, (c, g) in enumerate(zip((64, 128, 256, 512), (56, 28, 14, 7)))],
    'swin-t': [dict(source=f'model.layers.{i}', feature=dict(layout='nhwc', channels=c, grid=g))
               for i, (c, g) in enumerate(zip((96, 192, 384, 768), (56, 28, 14, 7)))],
    'deit-t': [dict(source=f'model.blocks.{b}', feature=dict(layout='nlc', channels=192, grid=14, prefix=1))
               for b in (2, 5, 8, 11)],
}

# how a distiller records them: the timm model's output (logits) and each model's stages
logits_recorders = dict(logits=dict(type='ModuleOutputs', source='model'))
stage_recorders = {name: {f'stage{k}': dict(type='ModuleOutputs', source=tap['source']) for k, tap in enumerate(taps, 1)}
                   for name, taps in stage_taps.items()}
