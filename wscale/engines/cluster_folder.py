"""A cluster run's folder, OUT/grid_batch/ on the filesystem the cluster's nodes share:
``cluster.json`` (the run: its settled spec, fingerprint and work units), ``jobs.tsv`` (one
line per submitted job: id, chunk, time), per chunk ``chunk_<n>.json`` (its units),
``chunk_<n>.sbatch`` (its script) and ``chunk_<n>.out`` (its output), and per unit the
``_point.json`` record the job writes as soon as the unit is done."""

import datetime
import hashlib
import json
import re
import shlex
import sys
from pathlib import Path

from analysis.results import read_json, write_atomic, write_json_atomic
from wscale.errors import UserError, last_error_line
from wscale.report.outputs import GRID_FOLDER
from wscale.run import point
from wscale.run.spec import LABEL, RunSpec

MANIFEST = 'cluster.json'
JOBS_FILE = 'jobs.tsv'
CHUNK_PREFIX = 'chunk_'


def stored_spec(folder):
    """The settled run (RunSpec) of the cluster run into output folder ``folder``."""
    path = Path(folder).resolve() / GRID_FOLDER / MANIFEST
    if not path.is_file():
        raise UserError(f'no cluster run in {folder}: {path} not found')
    try:
        manifest = read_json(path)
    except (OSError, ValueError) as err:
        raise UserError(f'cannot read {path}: {err}') from None
    return spec_of(manifest, folder)


def spec_of(manifest, folder):
    """The settled run a cluster run's manifest holds (into output folder ``folder``)."""
    if 'spec' not in manifest:
        raise UserError(f'the cluster run in {folder} was submitted by an earlier version; run it again into a new folder')
    return RunSpec.from_json(manifest['spec'])


def fingerprint(cfg_settings, units):
    """What makes two runs the same: every cfg setting and the work units, in any order."""
    text = json.dumps({'cfg': cfg_settings, 'units': sorted(units, key=lambda unit: unit[LABEL])}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class Run:
    """One cluster run's folder: its manifest, chunks, jobs and per-unit records."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.manifest = read_json(self.folder / MANIFEST)
        self.units = self.manifest['units']

    @classmethod
    def prepare(cls, folder, manifest, check_active):
        """The run in ``folder`` for ``manifest``: the existing one if its fingerprint is
        the same (its records kept), else a new one in an emptied folder.
        ``check_active(run)`` refuses to replace a run whose jobs are still active."""
        folder = Path(folder)
        if (folder / MANIFEST).is_file():
            old = cls(folder)
            if 'spec' in old.manifest and fingerprint(old.manifest['spec']['cfg'], old.units) == manifest['fingerprint']:
                old.forget_unsubmitted_chunks()
                return old
            check_active(old)
        if folder.exists():
            for path in folder.iterdir():
                if path.is_file():
                    path.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(folder / MANIFEST, manifest)
        return cls(folder)

    def record_path(self, index):
        return point.record_path(self.folder, self.units[index][LABEL])

    def finished(self):
        """Indices of the units that have a record."""
        present = {entry.name for entry in self.folder.iterdir()} if self.folder.exists() else set()
        return {i for i, unit in enumerate(self.units) if f'{unit[LABEL]}{point.POINT_SUFFIX}' in present}

    def chunks(self):
        """{chunk name: unit indices} of every chunk written."""
        return {
            path.stem: read_json(path)['units']
            for path in sorted(self.folder.glob(f'{CHUNK_PREFIX}*.json'))
        }

    def jobs(self):
        """[(job id, chunk name)] in submission order."""
        path = self.folder / JOBS_FILE
        if not path.exists():
            return []
        rows = [line.split('\t') for line in path.read_text().splitlines() if line.strip()]
        return [(row[0], row[1]) for row in rows if len(row) >= 2]

    def latest_jobs(self):
        """{unit index: (job id, chunk name)}: the last job submitted for each unit."""
        chunks = self.chunks()
        latest = {}
        for job_id, chunk in self.jobs():
            for index in chunks.get(chunk, []):
                latest[index] = (job_id, chunk)
        return latest

    def forget_unsubmitted_chunks(self):
        """Remove the files of chunks no job was submitted for (a dry run's, or a refused one's)."""
        submitted = {chunk for _, chunk in self.jobs()}
        for chunk in set(self.chunks()) - submitted:
            for suffix in ('.json', '.sbatch'):
                (self.folder / f'{chunk}{suffix}').unlink(missing_ok=True)

    def write_chunk(self, units):
        """Write the next chunk file for these unit indices; return its name."""
        numbers = [int(path.stem[len(CHUNK_PREFIX):]) for path in self.folder.glob(f'{CHUNK_PREFIX}*.json')]
        name = f'{CHUNK_PREFIX}{max(numbers, default=0) + 1:04d}'
        write_json_atomic(self.folder / f'{name}.json', {'units': units})
        return name

    def write_script(self, chunk, options):
        """Write the sbatch script of a chunk; return its path."""
        lines = [
            '#!/bin/bash',
            f"#SBATCH --job-name=wscale-{re.sub(r'[^A-Za-z0-9_.-]', '_', self.folder.parent.name)}",
            f'#SBATCH --output={self.folder / chunk}.out',
            '#SBATCH --ntasks=1',
            f'#SBATCH --cpus-per-task={options.cores_per_job}',
        ]
        for flag in ('partition', 'time', 'mem', 'account'):
            if getattr(options, flag) is not None:
                lines.append(f'#SBATCH --{flag}={getattr(options, flag)}')
        lines += [
            f'cd {shlex.quote(str(point.PROJECT_DIR))}',
            f'exec {shlex.quote(sys.executable)} -m wscale.engines.chunk_job {shlex.quote(str(self.folder))} {chunk}',
        ]
        path = self.folder / f'{chunk}.sbatch'
        write_atomic(path, lambda stream: stream.write('\n'.join(lines) + '\n'))
        return path

    def add_job(self, job_id, chunk):
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
        with open(self.folder / JOBS_FILE, 'a') as stream:
            stream.write(f'{job_id}\t{chunk}\t{stamp}\n')

    def job_output_error(self, chunk):
        """The last error line a chunk's job printed, or ''."""
        return last_error_line(self.folder / f'{chunk}.out')


def manifest_of(spec):
    """The manifest of a run: its settled spec and its units (points, or places for
    targeted search; see ``RunSpec.units``), each with its values and its label."""
    units = spec.units()
    return {'spec': spec.to_json(), 'fingerprint': fingerprint(spec.cfg_settings, units), 'units': units}

