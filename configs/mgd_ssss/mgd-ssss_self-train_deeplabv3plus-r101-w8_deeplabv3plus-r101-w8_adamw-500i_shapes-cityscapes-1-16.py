# Teacher, stage 2: semi-supervised self-training of DeepLabV3+ r101-w8 on the
# same 1/16 partition. A fresh r101-w8 learns from the labels of x_l (OHEM CE) and
# from the hard pseudo-labels of its frozen stage-1 copy on x_l and on the
# CutMix image u_mix (the copy's logits on u0 and u1, mixed with the same
# mask): CutMix-Seg self-training with a fixed teacher, a single-model
# stand-in for the paper's cross pseudo supervision (see README). The
# student-only checkpoint (student_iter_500.pth) is the MGD teacher.
_base_ = ['../_base_/distill/mgd-ssss_deeplabv3plus_r18-w16-r101-w8_shapes-cityscapes-1-16.py']
stage1_ckpt = 'work_dirs/mgd-ssss_sup_none_deeplabv3plus-r101-w8_adamw-500i_shapes-cityscapes-1-16/iter_500.pth'
model = dict(
    student=dict(cfg_path='{{fileDirname}}/../_base_/models/deeplabv3plus_r101-w8_shapes.py'),
    teachers=dict(_delete_=True,
                  stage1=dict(cfg_path='{{fileDirname}}/../_base_/models/deeplabv3plus_r101-w8_shapes.py',
                              ckpt=stage1_ckpt, inputs=dict(type='CutMixSourcesInput'))),
    distiller=dict(_delete_=True, type='MultiGranularityDistiller', teachers=['stage1'],
                   granularities=('pixel',)))
