# GKD stage 1 at embedded scale: the project's MAE-pretrained ViT teacher
# (192 wide, 6 blocks, patch 16 at 128x256: an 8x16 grid) distilled into a
# smaller ViT student (128 wide, 4 blocks, same grid) on the unlabeled source
# images of the street DG benchmark. The teacher was pre-trained with OpenAI
# CLIP's pixel statistics and the student uses ImageNet's, so the teacher sees
# the batch renormalised (RenormalizedInput), as a real EVA02/CLIP teacher would.
# The teacher weights come from configs/foundation/mae-vit-e192-d6_adamw-600i_street-all.py
# (users with real foundation weights use FoundationTeacher(name=..., checkpoint=...)).
_base_ = ['../datasets/street_dg_unlabeled.py', '../schedules/adamw_800_iters_distill.py', '../iter_runtime.py']

imagenet_mean = [123.675, 116.28, 103.53]
imagenet_std = [58.395, 57.12, 57.375]
clip_mean = [122.7709383, 116.7460125, 104.09373615]
clip_std = [68.5005327, 66.6321579, 70.3231630]
teacher_checkpoint = 'work_dirs/mae-vit-e192-d6_adamw-600i_street-all/iter_600.pth'

model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(type='mmkd.MaskedTokenStudent', arch='vit_small_patch16_224',
                 arch_cfg=dict(img_size=(128, 256), embed_dim=128, depth=4, num_heads=4),
                 mask_sample_ratio=0.5, mask_patch_ratio=0.5,
                 data_preprocessor=dict(type='ImgDataPreprocessor', mean=imagenet_mean, std=imagenet_std,
                                        bgr_to_rgb=True)),
    teacher=dict(type='mmkd.FoundationTeacher', family='timm', arch='vit_small_patch16_224',
                 arch_cfg=dict(img_size=(128, 256), embed_dim=192, depth=6, num_heads=3),
                 checkpoint=teacher_checkpoint, checkpoint_prefix='encoder.', mean=clip_mean, std=clip_std,
                 inputs=dict(type='RenormalizedInput', student_mean=imagenet_mean, student_std=imagenet_std)),
    distiller=dict(type='mmkd.GKDDistiller', student_channels=128, teacher_channels=192, num_patches=8 * 16))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'), dict(type='mmkd.TeacherCacheHook')]
train_dataloader = dict(batch_size=4)  # the student runs twice per step (plain and masked views)

# The F2L student (merged over model.student by the *_resnet18-w32_* configs):
# a half-width timm ResNet-18 at output stride 16, whose last map (256 x 8 x 16)
# is laid out as 128 patch tokens plus its global average as the class token.
resnet_student = dict(
    _delete_=True, type='mmkd.MaskedTokenStudent', arch='resnet18',
    arch_cfg=dict(channels=(32, 64, 128, 256), output_stride=16), token_grid=(8, 16),
    mask_sample_ratio=0.5, mask_patch_ratio=0.5,
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=imagenet_mean, std=imagenet_std, bgr_to_rgb=True))
resnet_student_unmasked = dict(resnet_student, mask_sample_ratio=0.0)  # for the baselines: one (plain) view
# The baselines' ConfigurableDistiller records the token output of student and teacher alike.
token_recorder = dict(tokens=dict(type='ModuleOutputs', source='tokens'))
