"""SDMX REST v1.5 / SDMX 2.1 view of the indicator observations (pure: no database, no HTTP).

The gateway path ``/api/v1/indices/sdmx/`` is an SDMX REST v1.5 entry point; the endpoints
that serve it are thin wiring of this package:

- structure requests ``GET {entry}/{resource}[/{agency}[/{id}[/{version}]]]``::

      fmt = render.negotiate(accept, "structure", query_params.get("format"))
      query = query.parse_structure_path(path, query_params)
      body = render.render_structures(catalogue, query)           # media type fmt.media_type

- data requests ``GET {entry}/data/{flowRef}[/{key}[/{providerRef}]]``::

      fmt = render.negotiate(accept, "data", query_params.get("format"))
      selection = query.parse_data_path(path, query_params, catalogue)
      frame = <observations matching selection>  # see frames.apply_selection for the meaning
      body = render.render_data(frame, catalogue, selection.flow_id, fmt,
                                selection.dimension_at_observation)

- any `query.SdmxError` (also raised by `negotiate` and the renderers):
  status ``error.http_status``, body ``render.render_error(error, fmt)``, media type
  ``fmt.error_media_type`` (SDMX-ML 2.1 Error message; SDMX-JSON ``errors`` for JSON).

Modules:

- `model`: `LocalisedCode`, `IndicatorCode`, `Catalogue` (indicators, areas, units, groups,
  statuses, frequencies, prepared), `Flow`, and the fixed structure: agency SELA, version 1.0,
  DSD ``SELA:DSD_SELA_INDICATORS(1.0)`` with dimensions FREQ, REF_AREA, INDICATOR, time
  dimension TIME_PERIOD, measure OBS_VALUE, attributes OBS_STATUS (observation) and
  UNIT_MEASURE (series); code lists CL_FREQ, CL_AREA, CL_INDICATOR, CL_UNIT, CL_OBS_STATUS;
  concept scheme CS_SELA. Flows: ``DF_<GROUP>`` per indicator group (with an allowed
  ContentConstraint ``CC_DF_<GROUP>`` on INDICATOR) and ``DF_ALL``.
- `query`: `parse_structure_path` -> `StructureQuery`; `parse_data_path` -> `DataSelection`
  (flow id, codes per dimension or None, period bounds, dimensionAtObservation, first/last N);
  `parse_key`, `period_bounds`; `SdmxError(code, message)` with `http_status` from the
  standard's table (100->404, 110->401, 130->413, 140->400, 150->403, 500, 501, 503,
  510->413, 1000+->500); `NotAcceptableError` (406).
- `structures`: which artefacts a structure query returns (references, stubs).
- `render`: `Format`, `negotiate`, `render_structures`, `render_data`, `render_error`.
- `frames`: `apply_selection(frame, selection)` on a polars frame.

Formats: SDMX-ML 2.1 generic data (default), structure-specific data, SDMX-CSV 2.0.0,
SDMX-JSON 1.0.0, SDMX-ML 2.1 structure. By ``format=``: genericdata, structurespecificdata,
csvdata (csv), jsondata (json), structure. Structure messages carry every language; SDMX-JSON
names are in one (``render_data(..., language=)``, from Accept-Language; default en). Pass
``message_id=``/``prepared=`` to the renderers for reproducible headers.

What the sdmx1 client (2.28) requests, with ``sdmx.add_source({"id": "SELA", "url": entry,
"name": ...})`` and ``sdmx.Client("SELA")`` (no ``supports`` settings needed; the source id is
used as the agency):

- ``client.dataflow()`` -> ``dataflow/SELA/all/latest``
- ``client.dataflow("DF_MACRO")`` -> ``dataflow/SELA/DF_MACRO/latest?references=all``
- ``client.datastructure("DSD_SELA_INDICATORS")`` ->
  ``datastructure/SELA/DSD_SELA_INDICATORS/latest?references=all``
- ``client.codelist("CL_AREA")`` -> ``codelist/SELA/CL_AREA/latest``
- ``client.data("DF_MACRO", key="A.ARG+BRA.", params={"startPeriod": "2020"})`` ->
  ``data/DF_MACRO/A.ARG+BRA.?startPeriod=2020`` (no structure request)
- ``client.data("DF_MACRO", key={"REF_AREA": ["ARG", "BRA"]}, params=...)`` ->
  first ``dataflow/SELA/DF_MACRO/latest?references=all`` (to check the key and to read the
  data with the structure), then ``data/DF_MACRO/.ARG+BRA.?...``
- ``client.data("DF_MACRO")`` -> ``data/DF_MACRO``

sdmx1 sends ``Accept: */*`` unless given ``headers=``; parameters go through as given
(``lastNObservations`` must be an int there). Through the client, SDMX-ML (default) and
SDMX-JSON read directly; structure-specific data needs a dict key (so sdmx1 has the structure);
SDMX-CSV needs a dict key and ``message.dataflow`` set before ``sdmx.to_pandas``.
"""
