"""The 1x1 channel-align conv that MGD, FGD and ACAM-KD put before comparing features."""
from torch import nn


def channel_align(student_channels: int, teacher_channels: int) -> nn.Module:
    """A 1x1 conv (with bias) from student to teacher channels, or Identity when they match."""
    if student_channels == teacher_channels:
        return nn.Identity()
    return nn.Conv2d(student_channels, teacher_channels, kernel_size=1)
