# FGD on the five FPN outputs (64 channels in both models): one FGDLoss (with
# its student/teacher GcBlocks) applied to every level with the batch's GT
# boxes; class defaults temp 0.5, alpha 1e-3, beta 5e-4, gamma 1e-3, lambda 5e-6.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        losses=dict(loss_fgd=dict(type='FGDLoss', channels=64, temp=0.5,
                                  alpha_fgd=1e-3, beta_fgd=5e-4, gamma_fgd=1e-3, lambda_fgd=5e-6,
                                  loss_weight=1.0)),
        loss_inputs=dict(loss_fgd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn'),
                                       gt=('data_samples', 'gt_boxes')))))
