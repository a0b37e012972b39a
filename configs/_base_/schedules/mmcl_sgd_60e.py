# MMCL's official schedule: SGD Nesterov, momentum 0.9, weight decay 5e-4, lr 0.1 for new
# layers (the BN neck) and 0.01 for the backbone, x0.1 at epoch 40, 60 epochs.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),
)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[40], gamma=0.1)]
train_cfg = dict(type='ResumableEpochLoop', max_epochs=60, val_interval=10)
val_cfg = dict()
test_cfg = dict()
