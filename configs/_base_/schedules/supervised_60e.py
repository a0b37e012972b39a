# Adam 3.5e-4, weight decay 5e-4, linear warm-up over 10 epochs, x0.1 at epoch 40, 60 epochs.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3.5e-4, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[40], gamma=0.1),
]
train_cfg = dict(type='ResumableEpochLoop', max_epochs=60, val_interval=10)
val_cfg = dict()
test_cfg = dict()
