# Train the small SAM teacher (configs/_base_/models/sam_vit-t128.py) on the
# embedded shapes instance masks with point and box prompts: what users with
# official SAM weights skip. Evaluated by prompt mIoU (centre point, GT box).
#   python tools/train.py configs/sam/sam-vit-t128_adam-8e_shapes-coco.py
# configs/tinysam/ distils from the 24-epoch run of this config
# (sam-vit-t128_adam-24e_shapes-coco.py); its checkpoint keeps the model under `sam.`.
_base_ = [
    '../_base_/datasets/shapes_coco_sam_prompts.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='mmkd.SamPromptTrainer',
    sam=dict(cfg_path='{{fileDirname}}/../_base_/models/sam_vit-t128.py'),
    loss=dict(type='mmkd.TinySAMLoss'),
    prompts=dict(prompt_types=('point', 'box'), max_instances=16, hard_point_sampling=False))
