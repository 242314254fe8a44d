"""ClonedInput: a teacher that writes into its inputs cannot corrupt the student's batch."""
import torch
from torch import nn

from mmkd.models.algorithms.teacher_inputs import ClonedInput, TeacherInput


class InPlaceTeacher(nn.Module):
    """Overwrites its voxels' x, y, z like mmdet3d's legacy PillarFeatureNet."""

    def forward(self, inputs):
        inputs['voxels']['voxels'][:, :, :3] -= 1.0


def batch():
    return dict(points=[torch.ones(4, 4)], voxels=dict(voxels=torch.ones(2, 3, 4), coors=torch.zeros(2, 4)))


def test_same_input_is_corrupted_cloned_input_is_not():
    teacher = InPlaceTeacher()
    shared = batch()
    inputs_T, _ = TeacherInput()(shared, None, teacher)
    teacher(inputs_T)
    assert shared['voxels']['voxels'][0, 0, 0] == 0.0          # the student's batch changed under it
    safe = batch()
    inputs_T, samples = ClonedInput()(safe, ['sample'], teacher)
    teacher(inputs_T)
    assert torch.equal(safe['voxels']['voxels'], torch.ones(2, 3, 4)) and samples == ['sample']
    assert isinstance(inputs_T['points'], list) and inputs_T['points'][0] is not safe['points'][0]
