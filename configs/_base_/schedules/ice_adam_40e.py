# ICE's schedule: Adam 3.5e-4, weight decay 5e-4, linear warm-up from 0.1x over the first 10
# epochs (stepped per epoch), constant after; 40 epochs of 400 iterations.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3.5e-4, weight_decay=5e-4))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=10)]
train_cfg = dict(type='ResumableEpochLoop', max_epochs=40, iters_per_epoch=400,
                 val_interval=10)
val_cfg = dict()
test_cfg = dict()
