# MMCL + MPLP with CamStyle (the paper's headline setting): needs the GAN-translated images in
# data/market1501/Market-1501-v15.09.15/bounding_box_train_camstyle/<stem>_fake_<src>to<dst>.jpg
_base_ = ['./mmcl_r50_market.py']
train_dataloader = dict(dataset=dict(camstyle=True))
