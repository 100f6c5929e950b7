"""Entry point of the data-layer job for ``spark-submit`` (which runs a file, not a module).

    (cd src && zip -qr ../helpers.zip helpers)
    spark-submit --master yarn --py-files helpers.zip scripts/datalayer_job.py \
        --engine spark --input hdfs:///raw --out hdfs:///layer

Running ``src/helpers/data/datalayer.py`` directly would put ``src/helpers/`` first on the module path,
where ``helpers/profile.py`` hides the standard library's ``profile`` that PySpark imports.
"""

import sys

from helpers.data.datalayer import main

if __name__ == "__main__":
    sys.exit(main())
