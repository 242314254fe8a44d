# The "teacher with the same head" row: the MAE-pretrained teacher's encoder
# frozen under the stage-2 FCN head (its last four of six blocks, 4 x 192
# channels), trained on the source domain like the students. The teacher was
# pre-trained with OpenAI CLIP pixel statistics, so the segmentor normalises
# with them.
_base_ = ['./gkd_stage2-frozen_vit-e128-d4_fcn_adamw-800i_street-dg.py']
teacher_checkpoint = 'work_dirs/mae-vit-e192-d6_adamw-600i_street-all/iter_600.pth'
model = dict(
    data_preprocessor=dict(mean=[122.7709383, 116.7460125, 104.09373615], std=[68.5005327, 66.6321579, 70.3231630]),
    backbone=dict(arch_cfg=dict(embed_dim=192, depth=6, num_heads=3), out_indices=(2, 3, 4, 5),
                  ckpt=teacher_checkpoint, ckpt_prefix='encoder.'),
    decode_head=dict(in_channels=[192] * 4))
