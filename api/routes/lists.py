"""Curated dataset lists: make one, read it, change it with its edit token, export it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import EngineDep, SettingsDep
from api.routes.dataset_exports import streaming
from api.routes.params import NoNul, TextId
from api.schemas import CreatedList, DatasetList, export_response, problems
from catalog.services import datasets, lists

router = APIRouter(prefix="/api", tags=["lists"])


IdList = list[Annotated[str, Field(max_length=64), NoNul]]


class ListCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown key is refused (422 naming it), not ignored

    title: Annotated[str, NoNul] = Field(min_length=1, max_length=lists.MAX_TITLE)
    description: Annotated[str, NoNul] = Field(default="", max_length=lists.MAX_DESCRIPTION)
    dataset_ids: IdList = Field(default_factory=list, max_length=lists.MAX_DATASETS)


class ListUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str | None, NoNul] = Field(default=None, min_length=1, max_length=lists.MAX_TITLE)
    description: Annotated[str | None, NoNul] = Field(default=None, max_length=lists.MAX_DESCRIPTION)
    dataset_ids: IdList | None = Field(default=None, max_length=lists.MAX_DATASETS,
                                       description="The list's datasets, in their new order (replaces them all).")
    add: IdList | None = Field(default=None, max_length=lists.MAX_DATASETS,
                               description="Datasets to append (one already in the list keeps its place).")
    remove: IdList | None = Field(default=None, max_length=lists.MAX_DATASETS,
                                  description="Datasets to take out (each must be in the list).")


def _token(authorization: str | None, x_edit_token: str | None) -> str | None:
    if x_edit_token:
        return x_edit_token.strip()
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


@router.post("/lists", status_code=201, response_model=CreatedList, response_model_exclude_unset=True,
             responses=problems(422))
def create_list(body: ListCreate, engine: EngineDep, settings: SettingsDep) -> JSONResponse:
    """Make a list. The answer holds its ``edit_token``, shown this once: keep it to change the list."""
    created = lists.create_list(engine, title=body.title, description=body.description,
                                dataset_ids=body.dataset_ids, base_url=settings.base_url)
    return JSONResponse(created, status_code=201, headers={"Location": f"/api/lists/{created['id']}"})


@router.get("/lists/{list_id}", response_model=DatasetList, response_model_exclude_unset=True,
            responses=problems(404, 422))
def get_list(list_id: TextId, engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """A list with the summaries of its datasets; withdrawn datasets stay, with a note."""
    return lists.get_list(engine, list_id, base_url=settings.base_url)


@router.patch("/lists/{list_id}", response_model=DatasetList, response_model_exclude_unset=True,
              responses=problems(401, 404, 422))
def update_list(
    list_id: TextId, body: ListUpdate, engine: EngineDep, settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    x_edit_token: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Change a list: ``Authorization: Bearer <edit token>`` or ``X-Edit-Token: <edit token>``.

    ``dataset_ids`` replaces the datasets in a new order; then ``remove`` and ``add`` apply."""
    return lists.update_list(engine, list_id, token=_token(authorization, x_edit_token),
                             base_url=settings.base_url, title=body.title, description=body.description,
                             dataset_ids=body.dataset_ids, add=body.add, remove=body.remove)


@router.get("/lists/{list_id}/export", response_class=StreamingResponse,
            responses={200: export_response(), **problems(404, 422)})
def export_list(
    list_id: TextId, engine: EngineDep, settings: SettingsDep,
    format: Annotated[str, Query(description="csv, json, xlsx, md, ttl, jsonld or rdf")] = "csv",
) -> StreamingResponse:
    """A list's datasets, in its order, as a download."""
    return streaming(lists.export_list(engine, list_id, format, base_url=settings.base_url,
                                       publisher=datasets.catalog_publisher(settings)))
