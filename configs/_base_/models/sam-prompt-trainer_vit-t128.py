# The small SAM (sam_vit-t128.py) as a trainable task model: point and box prompts
# drawn from the instance masks, focal + dice + IoU losses, prompt mIoU in predict.
model = dict(
    type='mmkd.SamPromptTrainer',
    sam=dict(cfg_path='{{fileDirname}}/sam_vit-t128.py'),
    loss=dict(type='mmkd.TinySAMLoss'),
    prompts=dict(prompt_types=('point', 'box'), max_instances=16, hard_point_sampling=False))
