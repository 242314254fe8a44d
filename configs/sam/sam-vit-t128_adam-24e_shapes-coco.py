# The small SAM teacher of configs/tinysam/, trained 24 epochs (1200 iterations)
# on the embedded shapes instance masks. At 8 epochs (sam-vit-t128_adam-8e_...)
# it is weaker than the ViT-Tiny student trained alone for 8 epochs (point
# mIoU 52.1 vs 56.9), and a teacher below its student teaches it nothing; the
# TinySAM teacher (SAM-H) is trained far longer than its student, too.
#   python tools/train.py configs/sam/sam-vit-t128_adam-24e_shapes-coco.py
_base_ = [
    '../_base_/datasets/shapes_coco_sam_prompts.py',
    '../_base_/schedules/adam_24e.py',
    '../_base_/default_runtime.py',
    '../_base_/models/sam-prompt-trainer_vit-t128.py',
]
