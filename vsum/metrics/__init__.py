# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
