# OADP's distillation pyramid with the paper's loss weights (object L1 256;
# block L1 128 + relation 8 + multi-label ASL 16; global MSE-sum 0.5 + ASL 4),
# shared by the shapes and OV-COCO configs, which add the student, the OAKE
# cache, the heads' widths and the warm-up hook.
# The CLIP teacher never runs in training (its knowledge is the distiller's OAKE
# cache), so the algorithm has no live teacher.
model = dict(
    type='mmkd.MultiTeacherDistill',
    teachers=dict(),
    distiller=dict(
        type='mmkd.OADPDistiller',
        levels=('object', 'block', 'global'),
        losses={
            'object': dict(type='mmkd.ObjectDistillLoss', loss_weight=256.0),
            'block': dict(type='mmkd.BlockDistillLoss', l1_weight=128.0, relation_weight=8.0),
            'block_multilabel': dict(type='mmkd.AsymmetricLoss', gamma_neg=4.0, gamma_pos=0.0, clip=0.05,
                                     loss_weight=16.0),
            'global_mse': dict(type='mmkd.GlobalDistillLoss', loss_weight=0.5),
            'global_multilabel': dict(type='mmkd.AsymmetricLoss', gamma_neg=4.0, gamma_pos=0.0, clip=0.05,
                                      loss_weight=4.0)},
        block_head=dict(type='mmkd.CLIPEmbeddingHead', roi_feat_size=7, num_fcs=2),
        global_head=dict(type='mmkd.CLIPEmbeddingHead', roi_feat_size=1, num_fcs=0)))
