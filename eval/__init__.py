"""The evaluation, beside bot/: it drives the answering contract (bot.answering.contract), never a door.

    quality   `vejviser eval`: the gold questions scored, the report in eval/report/, the calibration
    bench     `vejviser bench`: build, answering and serving timings
    checks    OCR damage and personal-data detection, measured on generated cases
"""
