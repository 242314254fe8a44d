# Student: DeepLabV3+ with ResNet-18-V1c at 1/8 width (stages 8/16/32/64 channels).
_base_ = ['./deeplabv3plus_tiny_d8.py']
