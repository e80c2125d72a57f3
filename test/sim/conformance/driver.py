"""Conformance driver: every operation of AWS's botocore models, sent to the simulated region over HTTP.

Run by test/sim/conformance/models.test.ts as `python3 driver.py <endpoint> <service>...`. For each service it reads
botocore's own service model (service-2.json and paginators-1.json), and for each operation:

* sends a request built from the model to find out whether the region serves it: an operation it does not serve
  must answer the protocol's unknown-operation error;
* for a served read operation, checks responses to minimal valid input and to each optional member against the
  output shape, and follows the model's paginator until its token ends;
* for a served operation, sends one request per input constraint that breaks it (client-side validation off) and
  checks the answer is the protocol's error for it, with a 4xx status.

Requests are encoded, signed (SigV4) and parsed by botocore itself, so the harness shares no code with the region.
It prints one JSON document: per service, the variants run and the failures.
"""

import datetime
import json
import re
import sys
import urllib.request

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, PaginationError, ParamValidationError

# Signing name (the region routes on it) of each botocore client name.
SIGNING = {
    'ec2': 'ec2',
    'autoscaling': 'autoscaling',
    'elbv2': 'elasticloadbalancing',
    'rds': 'rds',
    'sts': 'sts',
    'iam': 'iam',
    'cloudwatch': 'monitoring',
    'fis': 'fis',
    'route53': 'route53',
    'cloudformation': 'cloudformation',
    'ssm': 'ssm',
}

# The error AWS answers for an operation a service does not have, by protocol. EC2 and awsQuery: InvalidAction 400
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html); the JSON and REST protocols:
# UnknownOperationException (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html).
UNKNOWN = {
    'ec2': ('InvalidAction', {400}),
    'query': ('InvalidAction', {400}),
    'json': ('UnknownOperationException', {400, 404}),
    'rest-json': ('UnknownOperationException', {404}),
    'rest-xml': ('UnknownOperationException', {404}),
}

# The error codes AWS answers for input that breaks a constraint of the model, by protocol and kind.
# EC2: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html (MissingParameter,
# InvalidParameterValue). awsQuery and CloudWatch: Common Errors (MissingParameter, ValidationError,
# InvalidParameterValue). Route 53: InvalidInput (https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html#API_CreateHostedZone_Errors).
# FIS: ValidationException (https://docs.aws.amazon.com/fis/latest/APIReference/CommonErrors.html).
INVALID = {
    'ec2': {'required': {'MissingParameter'}, 'value': {'InvalidParameterValue'}},
    'query': {'required': {'ValidationError', 'MissingParameter'}, 'value': {'ValidationError', 'InvalidParameterValue'}},
    'json': {'required': {'ValidationError', 'MissingParameter'}, 'value': {'ValidationError', 'InvalidParameterValue'}},
    'rest-xml': {'required': {'InvalidInput'}, 'value': {'InvalidInput'}},
    'rest-json': {'required': {'ValidationException'}, 'value': {'ValidationException'}},
}
VALIDATION_CODES = {c for kinds in INVALID.values() for codes in kinds.values() for c in codes}

READ = re.compile(r'^(Describe|List|Get)')
MAX_PAGES = 50
LONGEST = 4096  # constraints above this length are not broken: the request would be too large to mean anything


def compiled(pattern):
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a Java-only construct: the pattern is not used


def fits(shape, s):
    m = shape.metadata
    if len(s) < m.get('min', 0) or ('max' in m and len(s) > m['max']):
        return False
    p = compiled(m['pattern']) if 'pattern' in m else None
    return p is None or p.fullmatch(s) is not None


STRING_CANDIDATES = [
    'sim-conformance', 'a', '1', 'Z1D633PJN98FT9', 'i-0123456789abcdef0', 'arn:aws:iam::123456789012:role/sim',
    'us-east-1a', '10.0.0.0/16', 'example.com.', 'AKIAIOSFODNN7EXAMPLE', '12345678-1234-1234-1234-123456789012',
    'EXT1234567890abcdef', 'sim/conformance', 'Sim', 'a' * 32,
]


def valid_string(shape):
    if shape.enum:
        return shape.enum[0]
    n = shape.metadata.get('min', 0)
    for c in STRING_CANDIDATES:
        padded = c + 'a' * max(0, n - len(c))
        if fits(shape, padded):
            return padded
    return None


class Unbuildable(Exception):
    pass


# Least page sizes AWS documents beyond the model: RDS's MaxRecords "Constraints: Minimum 20, maximum 100"
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html).
LEAST_PAGE = {('rds', 'MaxRecords'): 20}


def paging_size(protocol, name, shape, service=None):
    """A small valid page size: EC2 documents 5 as the least MaxResults (e.g. DescribeInstances) beyond the model."""
    n = max(shape.metadata.get('min', 1), 5 if protocol == 'ec2' else 1, LEAST_PAGE.get((service, name), 1))
    return str(n) if shape.type_name == 'string' else n


PAGE_SIZE = re.compile(r'^(MaxResults|MaxRecords|MaxItems|PageSize|maxResults)$')


def valid_value(shape, depth=0):
    """The smallest value the model accepts for a shape: required members only, one-element lists."""
    t = shape.type_name
    if depth > 6:
        raise Unbuildable(shape.name)
    if t == 'structure':
        return {name: valid_value(shape.members[name], depth + 1) for name in shape.required_members}
    if t == 'list':
        return [valid_value(shape.member, depth + 1)] if shape.metadata.get('min', 0) > 0 else []
    if t == 'map':
        return {}
    if t == 'string':
        s = valid_string(shape)
        if s is None:
            raise Unbuildable(shape.name)
        return s
    if t in ('integer', 'long'):
        return max(shape.metadata.get('min', 1), 1) if shape.metadata.get('max', 1) >= 1 else shape.metadata.get('min', 0)
    if t in ('float', 'double'):
        return float(shape.metadata.get('min', 1))
    if t == 'boolean':
        return False
    if t == 'timestamp':
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    if t == 'blob':
        return b'sim'
    raise Unbuildable(f'{shape.name} ({t})')


def invalid_values(shape):
    """(constraint, value) pairs that break one constraint of a scalar or list shape and nothing else."""
    m = shape.metadata
    t = shape.type_name
    out = []
    if t == 'string':
        if shape.enum:
            out.append(('enum', 'NotAnEnumValueOfTheModel'))
            return out
        if m.get('min', 0) > 0:
            short = (valid_string(shape) or 'a')[: m['min'] - 1]
            out.append(('min length', short))
        if 'max' in m and m['max'] < LONGEST:
            out.append(('max length', 'a' * (m['max'] + 1)))
        p = compiled(m['pattern']) if 'pattern' in m else None
        if p is not None:
            n = max(m.get('min', 0), 1)
            for c in ['\u0000\u0001', '  ', '!#%^*<>', '\u00e9\u00e9', '..']:
                s = (c * n)[: max(n, len(c))]
                if 'max' in m and len(s) > m['max']:
                    s = s[: m['max']]
                if len(s) >= m.get('min', 0) and p.fullmatch(s) is None:
                    out.append(('pattern', s))
                    break
    elif t in ('integer', 'long'):
        if 'min' in m:
            out.append(('min', m['min'] - 1))
        if 'max' in m:
            out.append(('max', m['max'] + 1))
    elif t == 'list':
        if m.get('min', 0) > 0:
            out.append(('min items', []))
    return out


def py_type_ok(shape, value):
    t = shape.type_name
    return {
        'structure': lambda v: isinstance(v, dict),
        'map': lambda v: isinstance(v, dict),
        'list': lambda v: isinstance(v, list),
        'string': lambda v: isinstance(v, str),
        'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
        'long': lambda v: isinstance(v, int) and not isinstance(v, bool),
        'float': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        'double': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        'boolean': lambda v: isinstance(v, bool),
        'timestamp': lambda v: isinstance(v, datetime.datetime),
        'blob': lambda v: isinstance(v, (bytes, bytearray)),
    }.get(t, lambda v: True)(value)


def shape_errors(shape, value, path, errors):
    """What of a parsed response does not fit its output shape: required members, types, enums."""
    if len(errors) > 5:
        return errors
    if not py_type_ok(shape, value):
        errors.append(f'{path}: {type(value).__name__} where the model has {shape.type_name}')
        return errors
    t = shape.type_name
    if t == 'structure':
        for r in shape.required_members:
            if r not in value:
                errors.append(f'{path}.{r}: required by the model, missing')
        for k, v in value.items():
            if k in shape.members:
                shape_errors(shape.members[k], v, f'{path}.{k}', errors)
    elif t == 'list':
        for i, v in enumerate(value):
            shape_errors(shape.member, v, f'{path}[{i}]', errors)
    elif t == 'map':
        for k, v in value.items():
            shape_errors(shape.value, v, f'{path}[{k}]', errors)
    elif t == 'string' and shape.enum and value not in shape.enum:
        errors.append(f'{path}: {value!r} is not one of the enum {shape.name}')
    return errors


def snake(client, op):
    return next(k for k, v in client.meta.method_to_api_mapping.items() if v == op)


def call(client, op, params):
    """(status, parsed or None, error code or None, message) of one call; botocore does encode, sign and parse."""
    method = getattr(client, snake(client, op))
    sent = []
    client.meta.events.register('before-send', lambda **kw: sent.append(True), unique_id='conformance-sent')
    try:
        parsed = method(**params)
        parsed.pop('ResponseMetadata', None)
        return 200, parsed, None, ''
    except ClientError as e:
        return e.response['ResponseMetadata'].get('HTTPStatusCode', 0), None, e.response['Error'].get('Code', ''), e.response['Error'].get('Message', '')
    except ParamValidationError as e:
        return None, None, 'client-side', str(e)
    except Exception as e:  # a response botocore cannot parse is itself a finding; a request it cannot build is not
        return (-1 if sent else None), None, type(e).__name__, str(e)[:300]
    finally:
        client.meta.events.unregister('before-send', unique_id='conformance-sent')


def request_log(endpoint):
    with urllib.request.urlopen(f'{endpoint}/_sim/requests') as r:
        return json.load(r)['requests']


class ServiceRun:
    def __init__(self, session, endpoint, name):
        self.name = name
        self.model = session.get_service_model(name)
        self.protocol = self.model.metadata['protocol']
        self.client = session.create_client(
            name,
            region_name='us-east-1',
            endpoint_url=endpoint,
            aws_access_key_id='AKIDCONFORMANCE',
            aws_secret_access_key='sim-secret',
            config=Config(parameter_validation=False, retries={'max_attempts': 1, 'mode': 'standard'}, read_timeout=20),
        )
        try:
            self.paginators = session.get_paginator_model(name)._paginator_config
        except Exception:
            self.paginators = {}
        self.endpoint = endpoint
        self.variants = 0
        self.failures = []
        self.served = []
        self.unserved = []
        self.uncheckable = []

    def fail(self, op, variant, why):
        self.failures.append({'operation': op, 'variant': variant, 'why': why})

    def minimal(self, op):
        shape = self.model.operation_model(op).input_shape
        return {} if shape is None else valid_value(shape)

    def is_served(self, op):
        """Served unless the answer is the protocol's unknown-operation error; restful protocols by the region's log."""
        try:
            params = self.minimal(op)
        except Unbuildable:
            params = {}
        # Only the URI labels, so botocore can build a path: an empty request changes nothing on any service.
        shape = self.model.operation_model(op).input_shape
        params = {k: v for k, v in params.items() if shape is not None and shape.members[k].serialization.get('location') == 'uri'}
        restful = self.protocol in ('rest-xml', 'rest-json')
        before = len(request_log(self.endpoint)) if restful else 0
        status, parsed, code, message = call(self.client, op, params)
        if status is None:
            # botocore's own customizations need more than labels (EC2 CopySnapshot's SourceRegion): send the minimum.
            try:
                status, parsed, code, message = call(self.client, op, self.minimal(op))
            except Unbuildable:
                pass
        if status is None:
            self.uncheckable.append(f'{op}: botocore cannot build a request ({message[:80]})')
            return False
        self.variants += 1
        # The region logs the operation it took a request for: a restful path routed to another operation is a finding.
        log = [e for e in request_log(self.endpoint)[before:] if e['service'] == SIGNING[self.name]] if restful else []
        understood = log[0]['action'] if log else None
        code_want, statuses = UNKNOWN[self.protocol]
        if self.protocol in ('rest-xml', 'rest-json'):
            served = understood == op and code != code_want
            if understood != op and understood in self.model.operation_names:
                self.fail(op, 'routing', f'the region took {op} for {understood}')
                return False
        else:
            served = code != code_want
        if not served and (code != code_want or status not in statuses):
            self.fail(op, 'unknown operation', f'answered {status} {code} ({message[:120]}), not {code_want} {sorted(statuses)}')
        if served and status is not None and status >= 500:
            self.fail(op, 'served', f'answered {status} {code}: {message[:160]}')
        return served

    def check_ok(self, op, variant, status, parsed, code, message, allow_error):
        out = self.model.operation_model(op).output_shape
        self.variants += 1
        if status == 200:
            if out is not None:
                errors = shape_errors(out, parsed, op, [])
                if errors:
                    self.fail(op, variant, '; '.join(errors[:4]))
            return True
        if status is None:
            return False
        if status >= 500 or status < 0:
            self.fail(op, variant, f'answered {status} {code}: {message[:160]}')
        elif code in VALIDATION_CODES:
            self.fail(op, variant, f'valid input refused with {status} {code}: {message[:160]}')
        elif not allow_error:
            self.fail(op, variant, f'answered {status} {code}: {message[:160]}')
        return False

    def valid_variants(self, op):
        shape = self.model.operation_model(op).input_shape
        try:
            base = self.minimal(op)
        except Unbuildable as e:
            self.uncheckable.append(f'{op}: no valid value for {e}')
            return
        # Reads that need no resource id must answer; with ids the region may not have, a modelled not-found is right.
        needs_resource = bool(shape is not None and shape.required_members)
        self.check_ok(op, 'minimal input', *call(self.client, op, base), allow_error=needs_resource)
        if shape is None:
            return
        for name, member in shape.members.items():
            if name in base or member.type_name not in ('string', 'integer', 'long', 'boolean'):
                continue
            if name.lower() in ('nexttoken', 'marker', 'nextmarker', 'startrecordname', 'startrecordidentifier', 'dryrun'):
                continue  # paging tokens come from answers; DryRun answers an error by design
            try:
                value = paging_size(self.protocol, name, member, self.name) if PAGE_SIZE.match(name) else valid_value(member)
            except Unbuildable:
                continue
            self.check_ok(op, f'with {name}={value!r}', *call(self.client, op, {**base, name: value}), allow_error=True)
        if op in self.paginators and not needs_resource:
            self.paginate(op)

    def paginate(self, op):
        config = self.paginators[op]
        limit = config.get('limit_key')
        size = None
        if limit is not None:
            member = self.model.operation_model(op).input_shape.members.get(limit)
            size = paging_size(self.protocol, limit, member, self.name) if member is not None else None
        self.variants += 1
        seen = set()
        pages = 0
        try:
            paginator = self.client.get_paginator(snake(self.client, op))
            for page in paginator.paginate(PaginationConfig={'PageSize': size} if size else {}):
                pages += 1
                tokens = [page.get(k) for k in (config['output_token'] if isinstance(config['output_token'], list) else [config['output_token']]) if '.' not in k]
                token = json.dumps(tokens, default=str)
                if token in seen and any(t is not None for t in tokens):
                    self.fail(op, 'pagination', f'token {token} repeated')
                    return
                seen.add(token)
                if pages > MAX_PAGES:
                    self.fail(op, 'pagination', f'more than {MAX_PAGES} pages of {size}')
                    return
        except PaginationError as e:
            self.fail(op, 'pagination', str(e)[:200])
        except ClientError as e:
            self.fail(op, 'pagination', f"{e.response['Error'].get('Code')}: {e.response['Error'].get('Message', '')[:160]}")
        except Exception as e:
            self.fail(op, 'pagination', f'{type(e).__name__}: {str(e)[:200]}')

    def invalid_variants(self, op):
        shape = self.model.operation_model(op).input_shape
        if shape is None:
            return
        try:
            base = self.minimal(op)
        except Unbuildable as e:
            self.uncheckable.append(f'{op}: no valid value for {e}')
            return
        expected = INVALID[self.protocol]
        cases = []
        for name in shape.required_members:
            member = shape.members[name]
            if member.serialization.get('location') == 'uri':
                continue  # without its label the path names another resource, or none
            if self.protocol == 'rest-xml' and member.serialization.get('location') is not None:
                continue
            if member.metadata.get('idempotencyToken'):
                continue  # botocore fills an idempotency token in whenever it is left out
            cases.append((f'without required {name}', {k: v for k, v in base.items() if k != name}, 'required'))
        for name, member in shape.members.items():
            if member.serialization.get('location') == 'uri':
                continue  # a label that breaks a constraint names no resource: the path itself is wrong
            for constraint, value in invalid_values(member):
                cases.append((f'{name} breaking {constraint}', {**base, name: value}, 'required' if constraint == 'min items' and self.protocol == 'ec2' else 'value'))
        for variant, params, kind in cases:
            status, parsed, code, message = call(self.client, op, params)
            if status is None:
                continue  # botocore cannot even encode it
            self.variants += 1
            if status == 200:
                self.fail(op, variant, 'answered success')
            elif code not in expected[kind] or not 400 <= status < 500:
                want = '/'.join(sorted(expected[kind]))
                self.fail(op, variant, f'answered {status} {code} ({message[:100]}), not 4xx {want}')

    def run(self):
        for op in self.model.operation_names:
            if self.is_served(op):
                self.served.append(op)
            else:
                self.unserved.append(op)
        for op in self.served:
            if READ.match(op):
                self.valid_variants(op)
            self.invalid_variants(op)
        return {
            'service': self.name,
            'protocol': self.protocol,
            'served': self.served,
            'unserved': self.unserved,
            'variants': self.variants,
            'failures': self.failures,
            'uncheckable': self.uncheckable,
        }


def session_for():
    session = botocore.session.get_session()
    # CloudWatch's model lists smithy-rpc-v2-cbor first; the region serves its awsJson1_0 protocol, which AWS also
    # serves (the model's `protocols`), so the harness speaks that one.
    loader = session.get_component('data_loader')
    cw = loader.load_service_model('cloudwatch', 'service-2', api_version=None)
    if 'json' in cw['metadata'].get('protocols', []):
        cw['metadata']['protocol'] = 'json'
        cw['metadata']['protocols'] = ['json']
    return session


def main():
    endpoint = sys.argv[1]
    names = sys.argv[2:] or list(SIGNING)
    session = session_for()
    report = [ServiceRun(session, endpoint, n).run() for n in names]
    json.dump({'botocore': botocore.__version__, 'services': report}, sys.stdout)


if __name__ == '__main__':
    main()
