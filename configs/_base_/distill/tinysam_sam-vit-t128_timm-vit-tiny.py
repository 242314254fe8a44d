# The TinySAM pair, without data or schedule (sam-vit-t128_timm-vit-tiny_<data>.py
# add them): the 128 px SAM teacher trained by configs/sam/ -> the timm ViT-Tiny
# student, same data and schedule for every ablation row. Student and teacher are both the SAM task model
# (mmkd.SamPromptTrainer: its own loss is focal + dice + IoU against the masks);
# mmkd.TinySAMDistiller owns the distillation terms and decodes the teacher on
# the prompts the student drew. Children switch distillation terms, hard
# prompt sampling and hard mask weighting on and off.
teacher_ckpt = 'work_dirs/sam-vit-t128_adam-24e_shapes-coco/epoch_24.pth'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(
        type='mmkd.SamPromptTrainer',
        sam=dict(cfg_path='{{fileDirname}}/../models/tinysam_timm-vit-tiny128.py'),
        prompts=dict(prompt_types=('point', 'box'), max_instances=16, hard_point_sampling=False, max_rounds=9)),
    # the checkpoint of the configs/sam/ run: the same task model, so its `sam.` keys load as they are
    teacher=dict(type='mmkd.SamPromptTrainer', sam=dict(cfg_path='{{fileDirname}}/../models/sam_vit-t128.py'),
                 ckpt=teacher_ckpt),
    # the paper gives no alpha, beta, gamma (a gap); l1 for all three terms. gamma = 0.1: the l1
    # between mask logits starts at ~6 against ~1.7 for focal + dice and, at gamma = 1, the distilled
    # student fell below the one trained on masks alone (configs/tinysam/README.md)
    distiller=dict(
        type='mmkd.TinySAMDistiller',
        losses=dict(loss_embedding=dict(type='mmkd.L1DistillLoss', loss_weight=1.0),
                    loss_token=dict(type='mmkd.L1DistillLoss', loss_weight=1.0),
                    loss_output=dict(type='mmkd.TinySAMOutputLoss', loss_weight=0.1, hard_mask_weighting=False))))

# a student-only checkpoint (the student task model: the Sam under `sam.`) beside every full one
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'),
                dict(type='mmkd.TeacherCacheHook')]  # opens model.teacher_cache when set
