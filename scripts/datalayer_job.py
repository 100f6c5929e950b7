"""Entry point of the data-layer job for ``spark-submit`` (which runs a file, not a module).

    (cd src && zip -qr ../helpers.zip helpers)
    spark-submit --master yarn --py-files helpers.zip scripts/datalayer_job.py \
        --engine spark --input hdfs:///raw --out hdfs:///layer

spark-submit runs a file; this one imports the job from the package (shipped as ``helpers.zip``)
instead of running ``src/helpers/data/datalayer.py`` as a script, which would put
``src/helpers/data/`` first on the module path. (No module of the package is named like a
standard-library one any more: ``tests/unit/test_package_layout.py``.)
"""

import sys

from helpers.data.datalayer import main

if __name__ == "__main__":
    sys.exit(main())
