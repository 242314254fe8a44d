from .pack_cls_inputs import PackClsInputs

__all__ = ['PackClsInputs']
