# The dense-BYOL stand-in teacher (densebyol-vit-e192-d6_adamw-400i_street-all.py)
# trained on for 400 more iterations with every online view drawn from the
# same frame in another style (prob 1.0) and closer crops (0.5-1 of the target
# box, 64 points): after its first 400 iterations the teacher's patch features
# of a night or fog frame were still far from those of the same synthetic
# frame (mean cosine about 0.5 in the last block), and its frozen features
# under the stage-2 head did not beat a random ViT (configs/gkd/README.md).
_base_ = ['./densebyol-vit-e192-d6_adamw-400i_street-all.py']
model = dict(local_area=(0.5, 1.0), points=64,
             init_ckpt='work_dirs/densebyol-vit-e192-d6_adamw-400i_street-all/iter_400.pth')
pool_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmkd.LoadStyleTwin', styles={{_base_.styles}}, prob=1.0),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(dataset=dict(datasets=[
    dict(type='mmseg.CityscapesDataset', data_root={{_base_.data_root}}, pipeline=pool_pipeline,
         data_prefix=dict(img_path=f'{style}/leftImg8bit/train', seg_map_path=f'{style}/gtFine/train'))
    for style in ('synthetic', 'photo', 'night', 'fog')]))
