"""What the notebooks study with the method: measurements of pictures and networks.

``metrics`` (numbers that describe images and activations), ``randomization`` (the
model-randomization sanity check and its cascade), ``image_bank`` and
``receptive_field`` (natural patches and where a position looks), ``dataset_examples``
(the patches that excite a channel), ``two_afc`` (a machine stand-in for the human
2-AFC task), ``shortcut_data`` / ``shortcut_model`` / ``shortcut_probes`` (a planted
shortcut and the numbers that find it) and ``watermark`` (ImageNet's watermark
shortcut). Import the module you need; nothing is imported here.
"""
